package mxstack.standalone.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Properties;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import mxstack.core.plan.Planner;
import mxstack.core.render.MasConfigRenderer;
import org.junit.jupiter.api.Test;
import org.yaml.snakeyaml.Yaml;

/**
 * The step that prepares MAS's schema in Synapse's database, run as the supervisor runs it against
 * real PostgreSQL and a real Synapse, without MAS (which CI cannot have; {@link MasWiringIT} and
 * {@link CloudronMasIT} run MAS itself on this layout). MAS's side is replayed with the statements
 * of MAS 1.22's migrator and migrations that depend on the layout, over a connection with the
 * search path from the rendered MAS database config.
 */
class MasSchemaIT {

  /** The migrations MAS 1.22's migration 20230823125247 removes from its bookkeeping. */
  static final String OLD_JOB_MIGRATIONS = "20220709210445, 20230330210841, 20230408110421";

  @Test
  void onSynapsesDatabaseTheStepGivesMasWhatItsMigrationsNeedAndLeavesSynapseAlone()
      throws Exception {
    try (LocalStack stack = new LocalStack("masschema")) {
      stack.plan(SynapseMasModeIT.SPEC);
      stack.apply();
      // An existing install: Synapse has made its tables, and an extension sits in public.
      // Synapse is stopped while its tables are compared: running, it changes them itself.
      Process synapse = stack.start(Planner.SYNAPSE);
      stack.awaitHttpOk(stack.synapseUrl("/health"), synapse, Duration.ofSeconds(180));
      synapse.destroy();
      assertTrue(synapse.waitFor(30, TimeUnit.SECONDS), "Synapse stops on SIGTERM");
      try (Connection c = stack.connect();
          Statement s = c.createStatement()) {
        s.execute("CREATE EXTENSION pg_trgm SCHEMA public");
      }
      Map<String, String> synapseBefore = synapseTables(stack);
      assertTrue(synapseBefore.containsKey("users"), synapseBefore.keySet().toString());

      prepare(stack);

      Map<String, String> synapseAfter = synapseTables(stack);
      assertEquals(
          "VIEW", synapseAfter.remove("_sqlx_migrations"), "public._sqlx_migrations is a view");
      assertSameTables(synapseBefore, synapseAfter);

      try (Connection mas = masConnection(stack);
          Statement s = mas.createStatement()) {
        // The migrator: its bookkeeping table is found (so it creates none) and is MAS's own.
        assertEquals(
            "t",
            scalar(
                s,
                "SELECT EXISTS (SELECT 1 FROM information_schema.tables"
                    + " WHERE table_name = '_sqlx_migrations')"));
        assertEquals("mas", schemaOf(s, "_sqlx_migrations"));
        s.execute("SELECT version, checksum FROM _sqlx_migrations ORDER BY version");
        // Migration 20220530084123 creates schema apalis, recorded as the migrator records it.
        mas.setAutoCommit(false);
        s.execute("CREATE SCHEMA apalis");
        s.execute("CREATE TABLE apalis.jobs (id text)");
        record(s, 20220530084123L);
        record(s, 20220709210445L); // as if an old MAS had applied a migration since removed
        mas.commit();
        // Migration 20230823125247's last statement reaches MAS's own bookkeeping.
        s.execute(
            "DELETE FROM public._sqlx_migrations WHERE version IN (" + OLD_JOB_MIGRATIONS + ")");
        mas.commit();
        assertEquals("1", scalar(s, "SELECT count(*) FROM mas._sqlx_migrations"));
        // Migrations 20250915092000 and 20250915092635 with pg_trgm already in public; MAS's
        // users table goes to MAS's schema beside Synapse's.
        s.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm");
        s.execute("CREATE TABLE users (user_id uuid PRIMARY KEY, username text NOT NULL)");
        s.execute("CREATE INDEX users_username_trgm_idx ON users USING gin(username gin_trgm_ops)");
        mas.commit();
        assertEquals("mas", schemaOf(s, "users"));
      }
      assertSameTables(synapseBefore, withoutView(synapseTables(stack)));

      // Idempotent: again at the next start, nothing changes, nothing MAS recorded is lost.
      Map<String, String> masBefore = masObjects(stack);
      prepare(stack);
      assertEquals(masBefore, masObjects(stack));
      assertSameTables(synapseBefore, withoutView(synapseTables(stack)));

      // Synapse starts again on the database as it is now.
      Process again = stack.start(Planner.SYNAPSE);
      stack.awaitHttpOk(stack.synapseUrl("/health"), again, Duration.ofSeconds(180));
      assertEquals(
          200, stack.get(stack.synapseUrl("/_matrix/client/versions")).statusCode(), stack.tail());
    }
  }

  @Test
  void onAFreshDatabaseTheStepRunsFirstAndSynapseStillSetsItselfUp() throws Exception {
    try (LocalStack stack = new LocalStack("masfresh")) {
      stack.plan(SynapseMasModeIT.SPEC);
      stack.apply();
      prepare(stack);
      prepare(stack);
      try (Connection mas = masConnection(stack);
          Statement s = mas.createStatement()) {
        assertEquals("mas", schemaOf(s, "_sqlx_migrations"));
        assertEquals("0", scalar(s, "SELECT count(*) FROM _sqlx_migrations"));
      }
      Process synapse = stack.start(Planner.SYNAPSE);
      stack.awaitHttpOk(stack.synapseUrl("/health"), synapse, Duration.ofSeconds(180));
      Map<String, String> tables = synapseTables(stack);
      assertTrue(tables.containsKey("users") && tables.containsKey("schema_version"), stack.tail());
      synapse.destroy();
      assertTrue(synapse.waitFor(30, TimeUnit.SECONDS), "Synapse stops on SIGTERM");
      tables = synapseTables(stack);
      prepare(stack);
      assertSameTables(tables, synapseTables(stack));
    }
  }

  @Test
  void aLeftoverApalisSchemaIsDroppedOnlyWhenMasDidNotMakeItAndItIsEmpty() throws Exception {
    try (LocalStack stack = new LocalStack("masapalis")) {
      stack.plan(SynapseMasModeIT.SPEC);
      stack.apply();
      // What a migration stopped halfway leaves once MAS's schema is reset.
      sql(stack, "CREATE SCHEMA apalis", "CREATE TABLE apalis.jobs (id text)");
      LocalStack.ProcessResult dropped = prepare(stack);
      assertTrue(dropped.output().contains("dropped the empty schema apalis"), dropped.output());
      assertFalse(schemaExists(stack, "apalis"));

      // A schema of that name with rows in it is not MAS's debris: refused, and kept.
      sql(
          stack,
          "CREATE SCHEMA apalis",
          "CREATE TABLE apalis.jobs (id text)",
          "INSERT INTO apalis.jobs VALUES ('someone else''s job')");
      LocalStack.ProcessResult refused = stack.runStep(Planner.MAS, "prepare-schema");
      assertNotEquals(0, refused.exitCode(), refused.output());
      assertTrue(
          refused.output().contains("schema apalis holds rows (apalis.jobs)"), refused.output());
      assertEquals("1", query(stack, "SELECT count(*) FROM apalis.jobs"));

      // Once MAS has recorded making it, the schema is MAS's and stays until MAS drops it.
      sql(
          stack,
          "INSERT INTO mas._sqlx_migrations (version, description, success, checksum,"
              + " execution_time) VALUES (20220530084123, 'jobs workers', true, '\\x00', 1)");
      prepare(stack);
      assertEquals("1", query(stack, "SELECT count(*) FROM apalis.jobs"));
    }
  }

  /** Runs the planned step as the supervisor does; it must succeed. */
  private static LocalStack.ProcessResult prepare(LocalStack stack) throws Exception {
    LocalStack.ProcessResult result = stack.runStep(Planner.MAS, "prepare-schema");
    assertEquals(0, result.exitCode(), "prepare-schema:\n" + result.output());
    return result;
  }

  /**
   * A connection as MAS makes it: user, database and {@code options} (the search path) from the
   * rendered MAS database config.
   */
  @SuppressWarnings("unchecked")
  private static Connection masConnection(LocalStack stack) throws Exception {
    Path file = Path.of(stack.target.derivedSecretsDir(), MasConfigRenderer.DATABASE_YAML);
    Map<String, Object> config = new Yaml().load(Files.readString(file));
    URI uri = URI.create((String) ((Map<String, Object>) config.get("database")).get("uri"));
    Properties props = new Properties();
    props.setProperty("user", uri.getUserInfo().split(":")[0]);
    props.setProperty("password", LocalStack.PG_PASSWORD);
    for (String pair : uri.getRawQuery().split("&")) {
      String[] kv = pair.split("=", 2);
      if (kv[0].equals("options")) {
        props.setProperty("options", URLDecoder.decode(kv[1], StandardCharsets.UTF_8));
      }
    }
    assertEquals("-c search_path=mas,public", props.getProperty("options"));
    return DriverManager.getConnection(
        "jdbc:postgresql://" + uri.getHost() + ":" + uri.getPort() + uri.getPath(), props);
  }

  /** As sqlx records an applied migration. */
  private static void record(Statement s, long version) throws Exception {
    s.execute(
        "INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time)"
            + " VALUES ("
            + version
            + ", 'replayed', true, '\\x00', 1)");
  }

  /** Every relation in public with its kind, and the row count of each table. */
  private static Map<String, String> synapseTables(LocalStack stack) throws Exception {
    Map<String, String> tables = new TreeMap<>();
    try (Connection c = stack.connect();
        Statement s = c.createStatement()) {
      List<String[]> relations = new ArrayList<>();
      try (ResultSet rs =
          s.executeQuery(
              "SELECT table_name, table_type FROM information_schema.tables"
                  + " WHERE table_schema = 'public'")) {
        while (rs.next()) {
          relations.add(new String[] {rs.getString(1), rs.getString(2)});
        }
      }
      for (String[] r : relations) {
        tables.put(
            r[0],
            r[1].equals("VIEW")
                ? "VIEW"
                : scalar(s, "SELECT count(*) FROM public.\"" + r[0] + "\"") + " rows");
      }
    }
    return tables;
  }

  /** Synapse's relations compared one by one, naming only those that differ. */
  private static void assertSameTables(Map<String, String> before, Map<String, String> after) {
    Map<String, String> changed = new TreeMap<>();
    for (String name : new java.util.TreeSet<>(union(before, after))) {
      if (!java.util.Objects.equals(before.get(name), after.get(name))) {
        changed.put(name, before.get(name) + " -> " + after.get(name));
      }
    }
    assertEquals(Map.of(), changed, "Synapse's relations and row counts must not change");
  }

  private static List<String> union(Map<String, String> a, Map<String, String> b) {
    List<String> names = new ArrayList<>(a.keySet());
    names.addAll(b.keySet());
    return names;
  }

  private static Map<String, String> withoutView(Map<String, String> tables) {
    Map<String, String> copy = new TreeMap<>(tables);
    copy.remove("_sqlx_migrations");
    return copy;
  }

  /** MAS's schema's relations and the bookkeeping rows. */
  private static Map<String, String> masObjects(LocalStack stack) throws Exception {
    Map<String, String> objects = new TreeMap<>();
    try (Connection c = stack.connect();
        Statement s = c.createStatement();
        ResultSet rs =
            s.executeQuery(
                "SELECT n.nspname || '.' || c.relname, c.relkind::text FROM pg_class c"
                    + " JOIN pg_namespace n ON n.oid = c.relnamespace"
                    + " WHERE n.nspname IN ('mas', 'apalis')"
                    + " OR (n.nspname = 'public' AND c.relname = '_sqlx_migrations')")) {
      while (rs.next()) {
        objects.put(rs.getString(1), rs.getString(2));
      }
    }
    objects.put(
        "bookkeeping",
        query(
            stack,
            "SELECT string_agg(version::text, ',' ORDER BY version) FROM mas._sqlx_migrations"));
    return objects;
  }

  private static boolean schemaExists(LocalStack stack, String schema) throws Exception {
    return query(stack, "SELECT to_regnamespace('" + schema + "') IS NOT NULL").equals("t");
  }

  private static void sql(LocalStack stack, String... statements) throws Exception {
    try (Connection c = stack.connect();
        Statement s = c.createStatement()) {
      for (String statement : statements) {
        s.execute(statement);
      }
    }
  }

  private static String query(LocalStack stack, String sql) throws Exception {
    try (Connection c = stack.connect();
        Statement s = c.createStatement()) {
      return scalar(s, sql);
    }
  }

  /** The schema an unqualified name resolves to on this connection's search path. */
  private static String schemaOf(Statement s, String name) throws Exception {
    return scalar(
        s,
        "SELECT n.nspname FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace"
            + " WHERE c.oid = to_regclass('"
            + name
            + "')");
  }

  private static String scalar(Statement s, String sql) throws Exception {
    try (ResultSet rs = s.executeQuery(sql)) {
      assertTrue(rs.next(), sql);
      return rs.getString(1);
    }
  }
}
