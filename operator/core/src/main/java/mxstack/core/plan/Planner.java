package mxstack.core.plan;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import mxstack.core.render.MasConfigRenderer;
import mxstack.core.render.MasDatabaseSchema;
import mxstack.core.render.RenderContext;
import mxstack.core.render.RouterConfigRenderer;
import mxstack.core.render.SynapseConfigRenderer;
import mxstack.core.render.WellKnownRenderer;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.DatabaseSpec;
import mxstack.core.spec.DatabaseUrl;
import mxstack.core.spec.EmailSpec;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.spec.SecretRef;
import mxstack.core.spec.UpstreamProviderSpec;
import mxstack.core.validation.SpecDefaults;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.SpecValidator;
import mxstack.core.validation.Violation;

/**
 * The core function: a MatrixDeployment spec in, the desired state out. No I/O, no clock, no
 * randomness, no environment: the same inputs always give the same bytes.
 */
public final class Planner {

  /** Process name of Synapse. */
  public static final String SYNAPSE = "synapse";

  /** Process name of MAS. */
  public static final String MAS = "mas";

  /** Process name of the nginx router. */
  public static final String ROUTER = "router";

  private Planner() {}

  /**
   * Plans a deployment. Applies defaults and validates first; an invalid spec yields no plan.
   *
   * @param spec the spec as written (defaults are applied here)
   * @param secretRefs where secret files are on the target
   * @param target the target layout
   * @throws SpecInvalidException with every violation, when the spec is invalid
   */
  public static DesiredState plan(MatrixDeploymentSpec spec, SecretPaths secretRefs, Target target)
      throws SpecInvalidException {
    MatrixDeploymentSpec full = SpecDefaults.apply(spec);
    List<Violation> violations = new ArrayList<>(SpecValidator.validateSpec(full));
    violations.addAll(targetRules(full, target));
    if (!violations.isEmpty()) {
      throw new SpecInvalidException(violations);
    }
    RenderContext ctx = new RenderContext(full, target, secretRefs);
    boolean mas = full.auth().mode() == AuthMode.MAS;
    // Moving to MAS: MAS's config is rendered (syn2mas reads it) while Synapse keeps the logins.
    boolean migrating = !mas && full.migration().strategy() == MigrationStrategy.SYN2MAS;

    List<PlannedFile> files = new ArrayList<>();
    List<DerivedSecretFile> derived = new ArrayList<>();

    SynapseConfigRenderer.Rendering synapse = SynapseConfigRenderer.render(ctx);
    files.add(
        new PlannedFile(SynapseConfigRenderer.HOMESERVER_YAML, synapse.homeserverYaml(), 0644));
    files.add(new PlannedFile(SynapseConfigRenderer.LOG_YAML, synapse.logYaml(), 0644));
    derived.addAll(synapse.derived());

    MasConfigRenderer.Rendering masRendering = null;
    if (mas || migrating) {
      masRendering = MasConfigRenderer.render(ctx);
      files.add(new PlannedFile(MasConfigRenderer.CONFIG_YAML, masRendering.configYaml(), 0644));
      derived.addAll(masRendering.derived());
    }
    files.add(
        new PlannedFile(RouterConfigRenderer.NGINX_CONF, RouterConfigRenderer.render(ctx), 0644));
    if (full.wellKnown().enabled()) {
      files.add(new PlannedFile(WellKnownRenderer.CLIENT, WellKnownRenderer.client(ctx), 0644));
      files.add(new PlannedFile(WellKnownRenderer.SERVER, WellKnownRenderer.server(ctx), 0644));
    }
    files.sort(Comparator.comparing(PlannedFile::path));
    Map<String, String> contents = new TreeMap<>();
    files.forEach(f -> contents.put(f.path(), f.content()));

    List<PlannedProcess> processes = new ArrayList<>();
    processes.add(synapseProcess(ctx, synapse, contents));
    if (mas) {
      processes.add(masProcess(ctx, masRendering, contents));
    }
    processes.add(routerProcess(ctx, contents));

    return new DesiredState(
        List.copyOf(files),
        List.copyOf(processes),
        secretRequirements(mas, migrating),
        List.copyOf(derived),
        userSecrets(full, secretRefs),
        warnings(full),
        mas ? loginCheck(ctx) : null,
        migrating ? migration(ctx, synapse, masRendering) : null);
  }

  private static PlannedProcess synapseProcess(
      RenderContext ctx, SynapseConfigRenderer.Rendering rendering, Map<String, String> contents) {
    Target t = ctx.target();
    List<String> argv = new ArrayList<>(List.of(t.synapsePython(), "-m", "synapse.app.homeserver"));
    argv.add("--config-path");
    argv.add(t.configPath(SynapseConfigRenderer.HOMESERVER_YAML));
    for (String extra : rendering.extraConfigFiles()) {
      argv.add("--config-path");
      argv.add(extra);
    }
    List<Integer> ports = new ArrayList<>(List.of(t.ports().synapse()));
    if (t.metrics()) {
      ports.add(t.ports().synapseMetrics());
    }
    ReadinessCheck health = ReadinessCheck.http(t.routerHost(), t.ports().synapse(), "/health");
    return process(
        SYNAPSE,
        argv,
        Map.of(),
        t.runAsUser(),
        t.dataDir(),
        ports,
        health,
        health,
        List.of(),
        List.of(),
        List.of(SynapseConfigRenderer.HOMESERVER_YAML, SynapseConfigRenderer.LOG_YAML),
        rendering.secretFiles(),
        null,
        contents);
  }

  private static PlannedProcess masProcess(
      RenderContext ctx, MasConfigRenderer.Rendering rendering, Map<String, String> contents) {
    Target t = ctx.target();
    List<String> configArgs = masConfigArgs(ctx, rendering);
    List<PreStartStep> preStart = new ArrayList<>();
    PreStartStep schema = schemaStep(ctx);
    if (schema != null) {
      preStart.add(schema);
    }
    Map<String, String> env = masDatabaseEnv(ctx);
    preStart.add(
        new PreStartStep(
            "config-check",
            PreStartStep.Program.PROCESS,
            command(t.masBinary(), configArgs, "config", "check")));
    preStart.add(
        new PreStartStep(
            "migrate",
            PreStartStep.Program.PROCESS,
            command(t.masBinary(), configArgs, "database", "migrate")));
    ReadinessCheck health = ReadinessCheck.http(t.routerHost(), t.ports().masInternal(), "/health");
    String share = t.masShareDir();
    String workingDir = share.endsWith("/share") ? share.substring(0, share.length() - 6) : share;
    return process(
        MAS,
        command(t.masBinary(), configArgs, "server"),
        env,
        t.runAsUser(),
        workingDir,
        List.of(t.ports().masWeb(), t.ports().masInternal()),
        health,
        health,
        List.of(),
        preStart,
        List.of(MasConfigRenderer.CONFIG_YAML),
        rendering.secretFiles(),
        null,
        contents);
  }

  /** {@code --config} for each file MAS reads its configuration from. */
  private static List<String> masConfigArgs(
      RenderContext ctx, MasConfigRenderer.Rendering rendering) {
    List<String> args = new ArrayList<>();
    args.add("--config");
    args.add(ctx.target().configPath(MasConfigRenderer.CONFIG_YAML));
    for (String extra : rendering.extraConfigFiles()) {
      args.add("--config");
      args.add(extra);
    }
    return args;
  }

  /**
   * The step that prepares MAS's schema in a shared database, or null when MAS has a database of
   * its own.
   */
  private static PreStartStep schemaStep(RenderContext ctx) {
    DatabaseSpec db = ctx.spec().database().mas();
    if (db.schema() == null) {
      return null;
    }
    DatabaseUrl url = DatabaseUrl.of(db);
    return new PreStartStep(
        "prepare-schema",
        PreStartStep.Program.POSTGRES_CLIENT,
        // The error alone, no CONTEXT line: status shows the step's last line.
        psql(
            ctx.target(), url, "--set=VERBOSITY=terse", MasDatabaseSchema.prepareSql(db.schema())));
  }

  /**
   * psql running {@code sql} on one database: never asking for a password (libpq's variables name
   * the password file), stopping at the first error; {@code output} sets how it prints.
   */
  private static List<String> psql(Target t, DatabaseUrl url, String output, String sql) {
    List<String> argv =
        new ArrayList<>(List.of(t.psqlBinary(), "--no-psqlrc", "--no-password", "--quiet"));
    argv.add("--set=ON_ERROR_STOP=1");
    argv.addAll(List.of(output.split(" ")));
    argv.add("--host=" + url.host());
    argv.add("--port=" + url.port());
    argv.add("--username=" + url.user());
    argv.add("--dbname=" + url.name());
    argv.add("--command=" + sql);
    return List.copyOf(argv);
  }

  /** psql printing a query's values, one row per line. */
  private static List<String> psqlQuery(Target t, DatabaseUrl url, String sql) {
    return psql(t, url, "--tuples-only --no-align", sql);
  }

  /** libpq's variables for psql on MAS's database (only a schema needs them: see schemaStep). */
  private static Map<String, String> masDatabaseEnv(RenderContext ctx) {
    Map<String, String> env = new TreeMap<>();
    DatabaseSpec db = ctx.spec().database().mas();
    if (db.schema() == null) {
      return env;
    }
    DatabaseUrl url = DatabaseUrl.of(db);
    env.put("PGSSLMODE", url.sslMode().wireName());
    env.put("PGCONNECT_TIMEOUT", "10");
    if (db.password() != null) {
      env.put("PGPASSFILE", ctx.secrets().derived(MasConfigRenderer.SCHEMA_PGPASS));
    }
    if (db.sslRootCert() != null) {
      env.put("PGSSLROOTCERT", ctx.secrets().user(db.sslRootCert()));
    }
    return env;
  }

  private static PlannedProcess routerProcess(RenderContext ctx, Map<String, String> contents) {
    Target t = ctx.target();
    List<String> inputs = new ArrayList<>(List.of(RouterConfigRenderer.NGINX_CONF));
    if (ctx.spec().wellKnown().enabled()) {
      inputs.add(WellKnownRenderer.CLIENT);
      inputs.add(WellKnownRenderer.SERVER);
    }
    ReadinessCheck port = ReadinessCheck.tcp(t.routerHost(), t.ports().router());
    // A stopped nginx still accepts TCP connections; on Cloudron its own page tells.
    ReadinessCheck liveness =
        t.kind() == TargetKind.CLOUDRON
            ? ReadinessCheck.http(
                t.routerHost(), t.ports().router(), RouterConfigRenderer.LIVE_PATH)
            : port;
    return process(
        ROUTER,
        List.of(
            t.nginxBinary(), "-e", "stderr", "-c", t.configPath(RouterConfigRenderer.NGINX_CONF)),
        Map.of(),
        t.runAsUser(),
        t.runDir(),
        List.of(t.ports().router()),
        port,
        liveness,
        List.of(SYNAPSE),
        List.of(),
        inputs,
        List.of(),
        // nginx re-reads its config on SIGHUP, keeping its listening socket: no refused
        // connections while a routing change is applied.
        "HUP",
        contents);
  }

  private static List<String> command(String binary, List<String> globalArgs, String... rest) {
    List<String> argv = new ArrayList<>();
    argv.add(binary);
    argv.addAll(globalArgs);
    argv.addAll(List.of(rest));
    return List.copyOf(argv);
  }

  private static PlannedProcess process(
      String name,
      List<String> argv,
      Map<String, String> env,
      String user,
      String workingDir,
      List<Integer> ports,
      ReadinessCheck readiness,
      ReadinessCheck liveness,
      List<String> dependsOn,
      List<PreStartStep> preStart,
      List<String> inputFiles,
      List<String> secretFiles,
      String reloadSignal,
      Map<String, String> contents) {
    List<String> secrets = secretFiles.stream().distinct().sorted().toList();
    StringBuilder material = new StringBuilder();
    material.append("name=").append(name).append('\n');
    material.append("argv=").append(argv).append('\n');
    material.append("env=").append(new TreeMap<>(env)).append('\n');
    material.append("user=").append(user).append('\n');
    material.append("cwd=").append(workingDir).append('\n');
    material.append("pre=").append(preStart).append('\n');
    material.append("secrets=").append(secrets).append('\n');
    material.append("reload=").append(reloadSignal).append('\n');
    for (String input : inputFiles) {
      String content = contents.get(input);
      material.append("file=").append(input).append(' ').append(content.length()).append('\n');
      material.append(content).append('\n');
    }
    return new PlannedProcess(
        name,
        List.copyOf(argv),
        Map.copyOf(env),
        user,
        workingDir,
        List.copyOf(ports),
        readiness,
        liveness,
        List.copyOf(dependsOn),
        List.copyOf(preStart),
        List.copyOf(inputFiles),
        secrets,
        reloadSignal,
        sha256(material.toString()));
  }

  private static List<SecretRequirement> secretRequirements(boolean mas, boolean migrating) {
    List<SecretRequirement> list = new ArrayList<>();
    list.add(GeneratedSecrets.SYNAPSE_SIGNING_KEY);
    list.add(GeneratedSecrets.SYNAPSE_MACAROON);
    list.add(GeneratedSecrets.SYNAPSE_FORM);
    if (migrating) {
      list.add(GeneratedSecrets.SYNAPSE_REGISTRATION);
    }
    if (mas || migrating) {
      list.add(GeneratedSecrets.MAS_SYNAPSE_SHARED);
      list.add(GeneratedSecrets.MAS_ENCRYPTION);
      list.add(GeneratedSecrets.MAS_RSA_KEY);
      list.add(GeneratedSecrets.MAS_EC_KEY);
    } else {
      list.add(GeneratedSecrets.SYNAPSE_REGISTRATION);
    }
    return List.copyOf(list);
  }

  /**
   * The syn2mas steps: MAS's schema and tables, then check, dry run, backup and migrate, each
   * reading MAS's rendered config and Synapse's, with the database credentials in the environment
   * (syn2mas reads Synapse's database settings from its config but takes the password from libpq's
   * variables).
   */
  private static MigrationPlan migration(
      RenderContext ctx,
      SynapseConfigRenderer.Rendering synapse,
      MasConfigRenderer.Rendering masRendering) {
    Target t = ctx.target();
    List<String> masConfig = masConfigArgs(ctx, masRendering);
    List<String> syn2mas = new ArrayList<>(List.of(t.masBinary(), "syn2mas"));
    syn2mas.addAll(masConfig);
    syn2mas.add("--synapse-config");
    syn2mas.add(t.configPath(SynapseConfigRenderer.HOMESERVER_YAML));
    for (String extra : synapse.extraConfigFiles()) {
      syn2mas.add("--synapse-config");
      syn2mas.add(extra);
    }
    DatabaseSpec synapseDb = ctx.spec().database().synapse();
    DatabaseUrl synapseUrl = DatabaseUrl.of(synapseDb);
    Map<String, String> synapseEnv = new TreeMap<>();
    // syn2mas's client looks the password up in PGPASSFILE before it applies the host, port,
    // user and database of Synapse's config: from these variables, which must name the same.
    synapseEnv.put("PGHOST", synapseUrl.host());
    synapseEnv.put("PGPORT", String.valueOf(synapseUrl.port()));
    synapseEnv.put("PGUSER", synapseUrl.user());
    synapseEnv.put("PGDATABASE", synapseUrl.name());
    synapseEnv.put("PGSSLMODE", synapseUrl.sslMode().wireName());
    synapseEnv.put("PGCONNECT_TIMEOUT", "10");
    if (synapseDb.password() != null) {
      synapseEnv.put("PGPASSFILE", ctx.secrets().derived(SynapseConfigRenderer.PGPASS));
    }
    if (synapseDb.sslRootCert() != null) {
      synapseEnv.put("PGSSLROOTCERT", ctx.secrets().user(synapseDb.sslRootCert()));
    }
    List<MigrationPlan.Step> steps = new ArrayList<>();
    PreStartStep schema = schemaStep(ctx);
    Map<String, String> masEnv = masDatabaseEnv(ctx);
    if (schema != null) {
      steps.add(
          new MigrationPlan.Step(
              MigrationPlan.PREPARE_SCHEMA, schema.program(), schema.argv(), masEnv));
    }
    steps.add(
        new MigrationPlan.Step(
            MigrationPlan.MAS_DATABASE,
            PreStartStep.Program.PROCESS,
            command(t.masBinary(), masConfig, "database", "migrate"),
            masEnv));
    steps.add(
        new MigrationPlan.Step(
            MigrationPlan.EXTERNAL_IDS,
            PreStartStep.Program.POSTGRES_CLIENT,
            psqlQuery(
                t,
                synapseUrl,
                "SELECT DISTINCT auth_provider FROM user_external_ids ORDER BY auth_provider"),
            synapseEnv));
    steps.add(step(MigrationPlan.CHECK, syn2mas, synapseEnv, "check"));
    steps.add(step(MigrationPlan.DRY_RUN, syn2mas, synapseEnv, "migrate", "--dry-run"));
    String backup = t.dataDir() + "/syn2mas-backup/synapse.dump";
    steps.add(
        new MigrationPlan.Step(
            MigrationPlan.BACKUP,
            PreStartStep.Program.POSTGRES_CLIENT,
            List.of(
                sibling(t.psqlBinary(), "pg_dump"),
                "--no-password",
                "--format=custom",
                "--file=" + backup,
                "--host=" + synapseUrl.host(),
                "--port=" + synapseUrl.port(),
                "--username=" + synapseUrl.user(),
                "--dbname=" + synapseUrl.name(),
                // Synapse's tables only: MAS's schema is what the migration writes.
                "--schema=public"),
            synapseEnv));
    DatabaseSpec masDb = ctx.spec().database().mas();
    if (schema != null) {
      DatabaseUrl masUrl = DatabaseUrl.of(masDb);
      String s = "\"" + masDb.schema() + "\"";
      steps.add(
          new MigrationPlan.Step(
              MigrationPlan.MIGRATION_DONE,
              PreStartStep.Program.POSTGRES_CLIENT,
              psqlQuery(
                  t,
                  masUrl,
                  "SELECT to_regclass('"
                      + s
                      + ".users') IS NOT NULL AND to_regclass('"
                      + s
                      + ".syn2mas_restore_indices') IS NULL AND EXISTS (SELECT 1 FROM "
                      + s
                      + ".users)"),
              masEnv));
    }
    steps.add(step(MigrationPlan.MIGRATE, syn2mas, synapseEnv, "migrate"));
    List<String> idps = new ArrayList<>();
    for (UpstreamProviderSpec p : ctx.spec().auth().upstreamProviders()) {
      if (p.synapseIdpId() != null) {
        idps.add(p.synapseIdpId());
      }
    }
    return new MigrationPlan(
        t.runAsUser(),
        // Synapse's data directory: it exists whatever is installed (MAS reads absolute paths).
        t.dataDir(),
        steps,
        backup,
        migrationBlockers(ctx.spec()),
        idps,
        ctx.spec().migration().acceptWarnings());
  }

  /**
   * Synapse settings that syn2mas refuses (MAS has no equivalent), each with what to change. They
   * can only come from homeserver.additionalConfig in legacy mode.
   */
  private static List<String> migrationBlockers(MatrixDeploymentSpec spec) {
    Map<String, Object> extra = spec.homeserver().additionalConfig();
    List<String> blockers = new ArrayList<>();
    if (Boolean.TRUE.equals(extra.get("allow_guest_access"))) {
      blockers.add(
          "spec.homeserver.additionalConfig.allow_guest_access: guest access is on, and MAS has"
              + " no guests: remove it (or set it to false) to move to MAS");
    }
    if (Boolean.TRUE.equals(extra.get("enable_3pid_changes"))) {
      blockers.add(
          "spec.homeserver.additionalConfig.enable_3pid_changes: users change their e-mail"
              + " addresses in Synapse; with MAS they do so in MAS: remove it to move to MAS");
    }
    if (extra.get("login_via_existing_session") instanceof Map<?, ?> session
        && Boolean.TRUE.equals(session.get("enabled"))) {
      blockers.add(
          "spec.homeserver.additionalConfig.login_via_existing_session: MAS offers its own QR"
              + " login: remove it to move to MAS");
    }
    return blockers;
  }

  private static MigrationPlan.Step step(
      String name, List<String> syn2mas, Map<String, String> env, String... command) {
    List<String> argv = new ArrayList<>(syn2mas);
    argv.addAll(List.of(command));
    return new MigrationPlan.Step(name, PreStartStep.Program.PROCESS, argv, env);
  }

  /** A program beside another ({@code /usr/bin/psql} gives {@code /usr/bin/pg_dump}). */
  private static String sibling(String program, String name) {
    int slash = program.lastIndexOf('/');
    return slash < 0 ? name : program.substring(0, slash + 1) + name;
  }

  /**
   * What the spec may use on this target: a secret is a file on Cloudron (there are no Kubernetes
   * Secrets there) and a Secret's key on Kubernetes (the operator's pods see no host files).
   */
  static List<Violation> targetRules(MatrixDeploymentSpec spec, Target target) {
    List<Violation> out = new ArrayList<>();
    secretReferences(spec)
        .forEach(
            (field, ref) -> {
              if (target.kind() == TargetKind.KUBERNETES && ref.file() != null) {
                out.add(
                    Violation.at(
                        field + ".file", "is not available on Kubernetes; use secretName and key"));
              } else if (target.kind() == TargetKind.CLOUDRON && ref.secretName() != null) {
                out.add(
                    Violation.at(
                        field + ".secretName",
                        "is not available on Cloudron (there are no Kubernetes Secrets); use file"
                            + " with the path of a file under /app/data"));
              }
            });
    return out;
  }

  private static List<UserSecret> userSecrets(MatrixDeploymentSpec spec, SecretPaths paths) {
    List<UserSecret> list = new ArrayList<>();
    secretReferences(spec)
        .forEach((field, ref) -> list.add(new UserSecret(field, ref, paths.user(ref))));
    return List.copyOf(list);
  }

  /**
   * Every secret the admin references, by spec field, without rendering anything (cheap enough to
   * run for each changed Secret an operator sees). The spec must have its defaults applied.
   */
  public static Map<String, SecretRef> secretReferences(MatrixDeploymentSpec spec) {
    Map<String, SecretRef> refs = new LinkedHashMap<>();
    if (spec.database() != null && spec.database().synapse() != null) {
      putIf(refs, "spec.database.synapse.password", spec.database().synapse().password());
      putIf(refs, "spec.database.synapse.sslRootCert", spec.database().synapse().sslRootCert());
    }
    if (spec.database() != null && spec.database().mas() != null) {
      putIf(refs, "spec.database.mas.password", spec.database().mas().password());
      putIf(refs, "spec.database.mas.sslRootCert", spec.database().mas().sslRootCert());
    }
    if (spec.auth() != null) {
      putIf(refs, "spec.auth.passwordPepper", spec.auth().passwordPepper());
    }
    if (spec.homeserver() != null && spec.homeserver().turn() != null) {
      putIf(refs, "spec.homeserver.turn.sharedSecret", spec.homeserver().turn().sharedSecret());
    }
    EmailSpec email = spec.homeserver() == null ? null : spec.homeserver().email();
    if (email != null) {
      putIf(refs, "spec.homeserver.email.smtpPassword", email.smtpPassword());
    }
    List<UpstreamProviderSpec> providers =
        spec.auth() == null || spec.auth().upstreamProviders() == null
            ? List.of()
            : spec.auth().upstreamProviders();
    for (int i = 0; i < providers.size(); i++) {
      putIf(
          refs,
          "spec.auth.upstreamProviders[" + i + "].clientSecret",
          providers.get(i).clientSecret());
    }
    return refs;
  }

  private static void putIf(Map<String, SecretRef> refs, String field, SecretRef ref) {
    if (ref != null) {
      refs.put(field, ref);
    }
  }

  /**
   * With no upstream provider, people log in with MAS passwords only; a fresh install has no such
   * user. In a schema of Synapse's database, psql can tell (the same connection as the schema
   * step).
   */
  private static PreStartStep loginCheck(RenderContext ctx) {
    MatrixDeploymentSpec spec = ctx.spec();
    DatabaseSpec db = spec.database().mas();
    if (!spec.auth().upstreamProviders().isEmpty()
        || !spec.auth().mas().passwordLogin()
        || db.schema() == null) {
      return null;
    }
    DatabaseUrl url = DatabaseUrl.of(db);
    return new PreStartStep(
        "login-check",
        PreStartStep.Program.POSTGRES_CLIENT,
        psqlQuery(
            ctx.target(),
            url,
            "SELECT EXISTS (SELECT 1 FROM \"" + db.schema() + "\".user_passwords)"));
  }

  private static List<String> warnings(MatrixDeploymentSpec spec) {
    List<String> warnings = new ArrayList<>();
    String host = RenderContext.hostOf(spec.homeserver().publicBaseUrl());
    String serverHost = spec.serverName().replaceAll(":\\d+$", "");
    if (spec.wellKnown().enabled() && !serverHost.equalsIgnoreCase(host)) {
      warnings.add(
          "spec.wellKnown: the server name "
              + serverHost
              + " differs from the homeserver host "
              + host
              + "; https://"
              + serverHost
              + "/.well-known/matrix/client and /server must reach the router (or serve the same"
              + " documents there), or clients and other servers cannot find this one");
    }
    return List.copyOf(warnings);
  }

  static String sha256(String text) {
    try {
      MessageDigest digest = MessageDigest.getInstance("SHA-256");
      return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException("SHA-256 is part of every JDK", e);
    }
  }
}
