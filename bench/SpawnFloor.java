/**
 * The floor under the supervisor's start time: a JVM with the supervisor's flags that does nothing
 * but start one child (the program and arguments it is given) and wait for it. Compiled and run by
 * bench/cloudron_supervisor.py; not part of the product.
 */
public final class SpawnFloor {
  private SpawnFloor() {}

  public static void main(String[] args) throws Exception {
    System.exit(new ProcessBuilder(args).inheritIO().start().waitFor());
  }
}
