package mxstack.standalone.apply;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import mxstack.core.plan.PlannedFile;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A config file is always either its old or its new content, never a mix. */
class ConfigWriterTest {

  @TempDir Path dir;

  @Test
  void killedWritersLeaveEitherTheOldOrTheNewContent() throws Exception {
    Path target = dir.resolve("homeserver.yaml");
    byte[] a = ConfigWriterStress.contentFor(0);
    byte[] b = ConfigWriterStress.contentFor(1);
    ConfigWriter.write(target, a, 0644);
    Random random = new Random(42);
    for (int round = 0; round < 15; round++) {
      Process writer =
          new ProcessBuilder(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  ConfigWriterStress.class.getName(),
                  target.toString())
              .redirectErrorStream(true)
              .start();
      writer.getInputStream().read(); // started writing
      Thread.sleep(20 + random.nextInt(200));
      writer.destroyForcibly(); // SIGKILL, mid-write or not
      assertTrue(writer.waitFor(10, TimeUnit.SECONDS));
      byte[] now = Files.readAllBytes(target);
      assertTrue(
          java.util.Arrays.equals(now, a) || java.util.Arrays.equals(now, b),
          "round " + round + ": the file holds a partial write (" + now.length + " bytes)");
    }
  }

  @Test
  void aFileThatCannotBeWrittenChangesNoneOfTheSet() throws Exception {
    Path config = Files.createDirectories(dir.resolve("config"));
    ConfigWriter writer = new ConfigWriter(config);
    writer.writeAll(
        List.of(
            new PlannedFile("a.yaml", "old a\n", 0644),
            new PlannedFile("b.yaml", "old b\n", 0644)));
    // Injected failure: the second file's directory is taken by a regular file.
    Files.writeString(config.resolve("blocked"), "not a directory");
    assertThrows(
        IOException.class,
        () ->
            writer.writeAll(
                List.of(
                    new PlannedFile("a.yaml", "new a\n", 0644),
                    new PlannedFile("blocked/c.yaml", "new c\n", 0644),
                    new PlannedFile("b.yaml", "new b\n", 0644))));
    assertEquals("old a\n", Files.readString(config.resolve("a.yaml")));
    assertEquals("old b\n", Files.readString(config.resolve("b.yaml")));
    assertNoLeftovers(config);
  }

  @Test
  void aFailedRenamePutsBackWhatWasAlreadyReplaced() throws Exception {
    Path config = Files.createDirectories(dir.resolve("config"));
    ConfigWriter writer = new ConfigWriter(config);
    writer.writeAll(List.of(new PlannedFile("a.yaml", "old a\n", 0644)));
    // Injected failure at the switch: the last target is a directory with something in it.
    Files.writeString(Files.createDirectories(config.resolve("z.yaml")).resolve("x"), "x");
    assertThrows(
        IOException.class,
        () ->
            writer.writeAll(
                List.of(
                    new PlannedFile("a.yaml", "new a\n", 0644),
                    new PlannedFile("new.yaml", "new file\n", 0644),
                    new PlannedFile("z.yaml", "new z\n", 0644))));
    assertEquals("old a\n", Files.readString(config.resolve("a.yaml")));
    assertFalse(Files.exists(config.resolve("new.yaml")), "a file new in the set is taken back");
    assertNoLeftovers(config);
  }

  private static void assertNoLeftovers(Path config) throws IOException {
    try (Stream<Path> files = Files.walk(config)) {
      List<Path> left =
          files.filter(p -> p.getFileName().toString().matches(".*\\.tmp(\\.old)?")).toList();
      assertEquals(List.of(), left, "no temporary file or backup left behind");
    }
  }

  @Test
  void unchangedFilesAreNotRewritten() throws Exception {
    Path target = dir.resolve("nginx.conf");
    assertTrue(ConfigWriter.write(target, "x\n".getBytes(), 0644));
    FileTime before = FileTime.fromMillis(1_000_000L);
    Files.setLastModifiedTime(target, before);
    assertFalse(ConfigWriter.write(target, "x\n".getBytes(), 0644));
    assertEquals(before, Files.getLastModifiedTime(target));
    assertTrue(ConfigWriter.write(target, "y\n".getBytes(), 0644));
    assertArrayEquals("y\n".getBytes(), Files.readAllBytes(target));
    assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(target)));
  }
}
