package mxstack.core.plan;

import mxstack.core.spec.SecretRef;

/**
 * A secret the admin provides, referenced from the spec.
 *
 * @param field the spec field that references it
 * @param ref the reference (file, or Secret and key)
 * @param path where the programs read it on this target
 */
public record UserSecret(String field, SecretRef ref, String path) {}
