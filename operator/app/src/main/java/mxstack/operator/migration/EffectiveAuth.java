package mxstack.operator.migration;

import java.util.ArrayList;
import java.util.List;
import mxstack.core.plan.MigrationState;
import mxstack.core.plan.Planner;
import mxstack.core.plan.SecretPaths;
import mxstack.core.plan.Target;
import mxstack.core.spec.AuthMode;
import mxstack.core.spec.AuthSpec;
import mxstack.core.spec.MatrixDeploymentSpec;
import mxstack.core.spec.MigrationSpec;
import mxstack.core.spec.MigrationStrategy;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.Violation;

/**
 * The spec the operator plans with, given where the move to MAS is. With {@code migration.strategy:
 * syn2mas} Synapse keeps the logins until the accounts are in MAS and MAS has them from then on,
 * never Synapse again (logins, devices and passwords made since live only in MAS); from the moment
 * Synapse stops for the move, the move finishes whatever the spec says.
 *
 * <table>
 *   <caption>recorded state, spec → planned as</caption>
 *   <tr><th>recorded</th><th>strategy</th><th>auth.mode</th><th>planned</th></tr>
 *   <tr><td>migrated, delegated</td><td>any</td><td>legacy</td><td>refused (InvalidSpec)</td></tr>
 *   <tr><td>migrated, delegated</td><td>any</td><td>mas, unset</td><td>mas (syn2mas kept)</td></tr>
 *   <tr><td>synapse-stopped</td><td>any</td><td>legacy</td><td>refused (InvalidSpec)</td></tr>
 *   <tr><td>synapse-stopped</td><td>any</td><td>mas, unset</td><td>legacy, moving</td></tr>
 *   <tr><td>earlier</td><td>syn2mas</td><td>legacy</td><td>legacy; move blocked</td></tr>
 *   <tr><td>legacy</td><td>syn2mas</td><td>mas, unset, MAS runs</td><td>mas; move refused</td></tr>
 *   <tr><td>earlier</td><td>syn2mas</td><td>mas, unset</td><td>legacy, moving</td></tr>
 *   <tr><td>checked, dry-run-passed</td><td>none</td><td>mas, unset</td><td>refused
 *       (InvalidSpec)</td></tr>
 *   <tr><td>earlier</td><td>none</td><td>any</td><td>as written</td></tr>
 * </table>
 *
 * @param spec the spec to plan with
 * @param violations why the spec is refused, each at its field (empty: accepted)
 * @param blockers what stops the move before it starts, each with what to change
 * @param refusal why the move is refused although the spec asks for it, or null
 */
public record EffectiveAuth(
    MatrixDeploymentSpec spec, List<String> violations, List<String> blockers, String refusal) {

  /**
   * @param spec the spec as written
   * @param state the recorded state
   * @param masDeployment the MAS Deployment that runs for this deployment, or null
   * @param marker the marker ConfigMap's name, for messages
   * @param target where the plan runs (to check the spec as it will be after the move)
   */
  public static EffectiveAuth of(
      MatrixDeploymentSpec spec,
      MigrationState state,
      String masDeployment,
      String marker,
      Target target) {
    if (spec == null) {
      return new EffectiveAuth(null, List.of(), List.of(), null);
    }
    AuthSpec auth = spec.auth() == null ? new AuthSpec(null, null, null, null) : spec.auth();
    boolean legacy = auth.mode() == AuthMode.LEGACY;
    boolean syn2mas =
        spec.migration() != null && spec.migration().strategy() == MigrationStrategy.SYN2MAS;
    Boolean acceptWarnings = spec.migration() == null ? null : spec.migration().acceptWarnings();
    MigrationSpec kept = new MigrationSpec(MigrationStrategy.SYN2MAS, acceptWarnings);

    if (state.accountsInMas() || state == MigrationState.SYNAPSE_STOPPED) {
      List<String> violations = new ArrayList<>();
      if (legacy) {
        violations.add(
            Violation.at(
                    "spec.auth.mode",
                    state.accountsInMas()
                        ? "is legacy, but this deployment's accounts moved to MAS (migration state "
                            + state.wireName()
                            + ", recorded in status.migration and ConfigMap "
                            + marker
                            + "): logins, devices and passwords made since then live only in MAS,"
                            + " and Synapse's own login would lose them; remove auth.mode (mas is"
                            + " the default)"
                        : "is legacy, but this deployment's accounts are moving to MAS (migration"
                            + " state synapse-stopped): the move finishes first, and logins are"
                            + " delegated to MAS afterwards; remove auth.mode (mas is the"
                            + " default)")
                .toString());
      }
      AuthMode mode = state.accountsInMas() ? AuthMode.MAS : AuthMode.LEGACY;
      return new EffectiveAuth(with(spec, auth, mode, kept), violations, List.of(), null);
    }
    if (syn2mas) {
      List<String> blockers = new ArrayList<>();
      if (legacy) {
        blockers.add(
            "spec.auth.mode: legacy keeps Synapse's own logins, but the move to MAS ends with"
                + " logins delegated to MAS: remove auth.mode (mas is the default); Synapse keeps"
                + " the logins until the accounts are in MAS");
      } else if (state == MigrationState.LEGACY && masDeployment != null) {
        MigrationSpec none = new MigrationSpec(MigrationStrategy.NONE, acceptWarnings);
        return new EffectiveAuth(
            with(spec, auth, auth.mode(), none),
            List.of(),
            List.of(),
            "spec.migration.strategy: syn2mas moves the accounts Synapse keeps into an empty MAS,"
                + " but MAS already runs for this deployment (Deployment "
                + masDeployment
                + ") and has accounts of its own: there is nothing to move, and MAS keeps the"
                + " logins; remove migration.strategy");
      }
      blockers.addAll(afterTheMove(with(spec, auth, AuthMode.MAS, kept), target));
      return new EffectiveAuth(with(spec, auth, AuthMode.LEGACY, kept), List.of(), blockers, null);
    }
    if (state != MigrationState.LEGACY && !legacy) {
      return new EffectiveAuth(
          spec,
          List.of(
              Violation.at(
                      "spec.migration.strategy",
                      "must stay syn2mas until this deployment's accounts have moved to MAS (the"
                          + " move is at "
                          + state.wireName()
                          + "): without the move MAS would have no users and nobody could log"
                          + " in; set auth.mode: legacy to keep Synapse's own logins instead")
                  .toString()),
          List.of(),
          null);
    }
    return new EffectiveAuth(spec, List.of(), List.of(), null);
  }

  /**
   * The spec must be valid in MAS mode before the move starts: once Synapse has stopped, an invalid
   * one would leave nobody able to log in until it is fixed.
   */
  private static List<String> afterTheMove(MatrixDeploymentSpec masMode, Target target) {
    try {
      Planner.plan(masMode, SecretPaths.of(target), target);
      return List.of();
    } catch (SpecInvalidException e) {
      return e.violations().stream()
          .map(v -> v + " (once logins are delegated to MAS; change it before the move)")
          .toList();
    }
  }

  private static MatrixDeploymentSpec with(
      MatrixDeploymentSpec s, AuthSpec a, AuthMode mode, MigrationSpec migration) {
    return new MatrixDeploymentSpec(
        s.serverName(),
        s.homeserver(),
        new AuthSpec(mode, a.mas(), a.upstreamProviders(), a.passwordPepper()),
        s.database(),
        s.wellKnown(),
        s.ingress(),
        migration);
  }
}
