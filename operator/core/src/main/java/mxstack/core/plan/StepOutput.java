package mxstack.core.plan;

import java.util.ArrayDeque;
import java.util.Deque;

/** What a status shows of a step's output. */
public final class StepOutput {

  private StepOutput() {}

  /**
   * The lines worth showing, without terminal colours: the warnings and errors (the last five,
   * joined by " | "), else the last line, else "(no output)".
   */
  public static String summary(String output) {
    Deque<String> important = new ArrayDeque<>();
    String last = null;
    for (String line : output.split("\n")) {
      String clean = line.replaceAll("\u001B\\[[0-9;?]*[ -/]*[@-~]", "").strip();
      if (clean.isEmpty()) {
        continue;
      }
      last = clean;
      if (clean.contains("WARN") || clean.contains("ERROR") || clean.startsWith("Error")) {
        important.addLast(clean);
        if (important.size() > 5) {
          important.removeFirst();
        }
      }
    }
    if (!important.isEmpty()) {
      return String.join(" | ", important);
    }
    return last == null ? "(no output)" : last;
  }
}
