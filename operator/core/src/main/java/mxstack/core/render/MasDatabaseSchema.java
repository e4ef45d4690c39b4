package mxstack.core.render;

/**
 * What MAS needs in a database it shares with Synapse, where it keeps its tables in a schema of its
 * own ({@code spec.database.mas.schema}): the SQL of the step that runs before {@code mas-cli
 * database migrate}. Idempotent, run at every start, and it never changes a row.
 *
 * <p>MAS 1.22's migrations assume they own the database. In a schema they need three things:
 *
 * <ul>
 *   <li>The schema itself: MAS migrates into the first schema of its search path, which must exist.
 *   <li>{@code public._sqlx_migrations}: migration 20230823125247 ends with a schema-qualified
 *       {@code DELETE FROM public._sqlx_migrations}, while MAS keeps its bookkeeping table in its
 *       own schema. The step makes the name a view of MAS's own table, so that statement (and any
 *       later one written the same way) acts on MAS's real bookkeeping, as it would in a database
 *       of MAS's own. Synapse never reads it; syn2mas only looks at MAS's schema; dropping MAS's
 *       schema with CASCADE drops the view with it.
 *   <li>MAS's bookkeeping table, created before the view: MAS decides whether its table exists by
 *       looking the name up in every schema, so once the view exists it would never create its own.
 *       The columns are those sqlx 0.8 (MAS 1.22) creates.
 * </ul>
 *
 * <p>The migrations also create and later drop a schema {@code apalis}. When MAS's schema was reset
 * after a migration stopped halfway, that schema is left behind and the first migration fails on
 * it; the step drops it then, but only if MAS has not recorded creating it and it holds no rows.
 */
public final class MasDatabaseSchema {

  /** MAS's migration that creates the schema {@code apalis} (without IF NOT EXISTS). */
  static final long APALIS_CREATED_BY = 20220530084123L;

  private MasDatabaseSchema() {}

  /**
   * The SQL, one transaction when psql runs it with {@code --command}.
   *
   * @param schema MAS's schema, a validated lowercase SQL identifier
   */
  public static String prepareSql(String schema) {
    String s = "\"" + schema + "\"";
    return String.join(
        "\n",
        "SET client_min_messages = warning;",
        // Two MAS pods starting at once on Kubernetes run this together.
        "SELECT pg_advisory_xact_lock(hashtext('mxstack: prepare MAS schema'));",
        "CREATE SCHEMA IF NOT EXISTS " + s + ";",
        "CREATE TABLE IF NOT EXISTS " + s + "._sqlx_migrations (",
        "  version BIGINT PRIMARY KEY,",
        "  description TEXT NOT NULL,",
        "  installed_on TIMESTAMPTZ NOT NULL DEFAULT now(),",
        "  success BOOLEAN NOT NULL,",
        "  checksum BYTEA NOT NULL,",
        "  execution_time BIGINT NOT NULL",
        ");",
        "DO $mxstack$",
        "DECLARE",
        "  t record;",
        "  has_rows boolean;",
        "BEGIN",
        "  IF to_regclass('public._sqlx_migrations') IS NULL THEN",
        "    IF NOT has_schema_privilege('public', 'CREATE') THEN",
        "      RAISE EXCEPTION 'MAS''s migrations need public._sqlx_migrations and role % may not"
            + " create it in schema public; as the database owner run once: CREATE VIEW"
            + " public._sqlx_migrations AS SELECT * FROM "
            + s
            + "._sqlx_migrations', current_user;",
        "    END IF;",
        "    CREATE VIEW public._sqlx_migrations AS SELECT * FROM " + s + "._sqlx_migrations;",
        "    COMMENT ON VIEW public._sqlx_migrations IS 'MAS migration bookkeeping ("
            + s.replace("\"", "")
            + "._sqlx_migrations) under the name its migrations use; made by mxstack, dropped"
            + " with MAS''s schema';",
        "  END IF;",
        "  IF NOT EXISTS (SELECT 1 FROM " + s + "._sqlx_migrations",
        "                 WHERE version = " + APALIS_CREATED_BY + ") THEN",
        "    IF NOT has_database_privilege(current_database(), 'CREATE') THEN",
        "      RAISE EXCEPTION 'MAS''s migrations create a schema apalis: role % needs CREATE on"
            + " database %', current_user, current_database();",
        "    END IF;",
        "    IF to_regnamespace('apalis') IS NOT NULL THEN",
        "      FOR t IN SELECT c.relname FROM pg_class c JOIN pg_namespace n ON n.oid ="
            + " c.relnamespace",
        "               WHERE n.nspname = 'apalis' AND c.relkind IN ('r', 'p') LOOP",
        "        EXECUTE format('SELECT EXISTS (SELECT 1 FROM apalis.%I)', t.relname) INTO"
            + " has_rows;",
        "        IF has_rows THEN",
        "          RAISE EXCEPTION 'schema apalis holds rows (apalis.%) that MAS in schema "
            + s.replace("\"", "")
            + " did not create; MAS''s first migration creates that schema: move it away or drop"
            + " it', t.relname;",
        "        END IF;",
        "      END LOOP;",
        "      DROP SCHEMA apalis CASCADE;",
        "      RAISE WARNING 'dropped the empty schema apalis left by an earlier, unfinished MAS"
            + " migration';",
        "    END IF;",
        "  END IF;",
        "END",
        "$mxstack$;");
  }
}
