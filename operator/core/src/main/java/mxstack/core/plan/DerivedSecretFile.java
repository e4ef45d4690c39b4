package mxstack.core.plan;

import java.util.Map;
import mxstack.core.spec.SecretRef;

/**
 * A file an adapter assembles from secret values at apply time, because the program cannot read the
 * secret from a file of its own (a libpq password file, a config fragment with a password). The
 * plan gives its shape; the adapter fills in the values and stores it with mode 0600.
 *
 * @param name file name inside the target's derived-secrets directory
 * @param format how the file is written
 * @param fields the non-secret fields (PGPASS: host, port, database, user; YAML: the whole tree)
 * @param secrets where each secret value comes from: PGPASS uses key {@code password}; YAML uses
 *     dotted paths into the tree
 */
public record DerivedSecretFile(
    String name, Format format, Map<String, Object> fields, Map<String, SecretRef> secrets) {

  /** File formats. */
  public enum Format {
    /** One libpq password-file line: {@code host:port:database:user:password}. */
    PGPASS,
    /** A YAML document: the tree with secret values set at the given dotted paths. */
    YAML
  }
}
