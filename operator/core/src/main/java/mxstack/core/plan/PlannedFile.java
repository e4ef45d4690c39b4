package mxstack.core.plan;

/**
 * A rendered file.
 *
 * @param path path relative to the target's config directory, with '/' separators
 * @param content the exact bytes, as UTF-8 text
 * @param mode POSIX permission bits, e.g. 0644
 */
public record PlannedFile(String path, String content, int mode) {}
