package mxstack.standalone.cloudron;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Every child the supervisor starts leads a process group of its own ({@code setsid}), so that what
 * it forks (nginx's workers, a shell's commands) can be found and stopped with it, even after the
 * leader died and they were handed to PID 1. Members are found through {@code /proc}.
 */
final class ProcessGroups {

  private static final Path SETSID = Path.of("/usr/bin/setsid");
  private static final Path PROC = Path.of("/proc");

  private ProcessGroups() {}

  /**
   * The command prefix that makes a child the leader of a new session and process group. A child of
   * a JVM never leads a group, so setsid does not fork: the child keeps its PID, which is then also
   * its group's id.
   */
  static List<String> leaderPrefix() {
    return Files.isExecutable(SETSID) ? List.of(SETSID.toString()) : List.of();
  }

  /** The live processes of a group, the leader among them while it runs. */
  static List<ProcessHandle> members(long groupId) {
    List<ProcessHandle> members = new ArrayList<>();
    try (DirectoryStream<Path> dirs = Files.newDirectoryStream(PROC, "[0-9]*")) {
      for (Path dir : dirs) {
        long group = groupOf(dir);
        if (group == groupId) {
          ProcessHandle.of(Long.parseLong(dir.getFileName().toString())).ifPresent(members::add);
        }
      }
    } catch (IOException e) {
      // no /proc: nothing more can be found than the leader the caller holds
    }
    return members;
  }

  /** Sends SIGKILL to every member of the group. */
  static void kill(long groupId) {
    members(groupId).forEach(ProcessHandle::destroyForcibly);
  }

  /**
   * Stops a group: SIGTERM to each member, then SIGKILL to whatever still runs at the deadline.
   * Returns once the group is empty or a short while after the SIGKILL.
   */
  static void terminate(long groupId, long deadlineNanos) {
    members(groupId).forEach(ProcessHandle::destroy);
    while (System.nanoTime() < deadlineNanos && !members(groupId).isEmpty()) {
      sleep(50);
    }
    List<ProcessHandle> left = members(groupId);
    if (!left.isEmpty()) {
      left.forEach(ProcessHandle::destroyForcibly);
      long grace = System.nanoTime() + TimeUnit.SECONDS.toNanos(2);
      while (System.nanoTime() < grace && !members(groupId).isEmpty()) {
        sleep(20);
      }
    }
  }

  /**
   * The group id in {@code /proc/<pid>/stat} (field 5, after the command's parentheses), or -1 for
   * a process that has ended (a zombie waiting to be reaped).
   */
  private static long groupOf(Path dir) {
    try {
      String stat = Files.readString(dir.resolve("stat"), StandardCharsets.US_ASCII);
      String[] fields = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
      if (fields[0].equals("Z") || fields[0].equals("X")) {
        return -1;
      }
      return Long.parseLong(fields[2]);
    } catch (IOException | RuntimeException e) {
      return -1; // gone meanwhile, or not readable
    }
  }

  private static void sleep(long millis) {
    try {
      Thread.sleep(millis);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
