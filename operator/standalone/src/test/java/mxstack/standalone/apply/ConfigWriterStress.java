package mxstack.standalone.apply;

import java.nio.file.Path;
import java.util.Arrays;

/**
 * A child process for {@link ConfigWriterTest}: rewrites one file with alternating contents as fast
 * as it can until it is killed.
 */
public final class ConfigWriterStress {

  private ConfigWriterStress() {}

  /** Alternates between the two contents {@code contentFor(0)} and {@code contentFor(1)}. */
  public static void main(String[] args) throws Exception {
    Path target = Path.of(args[0]);
    System.out.println("writing");
    System.out.flush();
    for (long i = 0; ; i++) {
      ConfigWriter.write(target, contentFor((int) (i % 2)), 0644);
    }
  }

  static byte[] contentFor(int variant) {
    byte[] content = new byte[2 * 1024 * 1024];
    Arrays.fill(content, (byte) (variant == 0 ? 'a' : 'b'));
    return content;
  }
}
