package mxstack.standalone.apply;

import java.io.IOException;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import mxstack.core.spec.SecretRef;

/**
 * A derived secret file's text with a token where each secret value goes. Filling it is the one way
 * derived files get their values, so a file filled from a template kept on disk (a Cloudron start
 * from the saved plan) has the same bytes as one the planning step writes. Holds no secret value
 * and needs no YAML library.
 *
 * @param text the file's text with tokens
 * @param slots where each value goes and how it is written there
 */
public record SecretTemplate(String text, List<Slot> slots) {

  /** How a value is written at its token. */
  public enum Encoding {
    /** A YAML double-quoted string replacing a plain scalar token. */
    YAML_STRING,
    /** Percent-encoded, inside the user-info part of a URI. */
    URI_USERINFO,
    /** A field of a libpq password file: backslash and colon escaped. */
    PGPASS_FIELD
  }

  /**
   * One secret value's place.
   *
   * @param token the text standing in for the value (letters and digits only)
   * @param ref where the value comes from
   * @param encoding how it is written
   */
  public record Slot(String token, SecretRef ref, Encoding encoding) {}

  /** Resolves a slot's secret reference to its value; may fail with an IOException. */
  @FunctionalInterface
  public interface Values {
    /** The value, without surrounding whitespace. */
    String get(SecretRef ref) throws IOException;
  }

  /** The file's content with every token replaced by its value, written as the slot says. */
  public String fill(Values values) throws IOException {
    record Place(int at, Slot slot) {}
    List<Place> places = new ArrayList<>();
    for (Slot slot : slots) {
      int at = text.indexOf(slot.token());
      if (at < 0 || text.indexOf(slot.token(), at + 1) >= 0) {
        throw new IllegalStateException("a derived secret template lost a value's place");
      }
      places.add(new Place(at, slot));
    }
    places.sort(Comparator.comparingInt(Place::at));
    StringBuilder out = new StringBuilder(text.length() + 64);
    int from = 0;
    for (Place place : places) {
      out.append(text, from, place.at());
      String value = values.get(place.slot().ref());
      out.append(
          switch (place.slot().encoding()) {
            case YAML_STRING -> yamlString(value);
            case URI_USERINFO ->
                URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
            case PGPASS_FIELD -> pgpassField(value);
          });
      from = place.at() + place.slot().token().length();
    }
    return out.append(text, from, text.length()).toString();
  }

  /** Reads a secret file's value, without surrounding whitespace; never puts it in a message. */
  public static String read(Path path, String description) throws IOException {
    try {
      return Files.readString(path, StandardCharsets.UTF_8).strip();
    } catch (NoSuchFileException e) {
      throw new IOException("secret file " + path + " (" + description + ") does not exist");
    }
  }

  /** A libpq password-file field: backslash and colon escaped. */
  public static String pgpassField(String field) {
    return field.replace("\\", "\\\\").replace(":", "\\:");
  }

  /**
   * A YAML double-quoted scalar holding exactly {@code value}: backslash, quote and every
   * non-printable character escaped, so no value can end the string or change the document.
   */
  static String yamlString(String value) {
    StringBuilder out = new StringBuilder(value.length() + 2).append('"');
    value
        .codePoints()
        .forEach(
            c -> {
              if (c == '\\' || c == '"') {
                out.append('\\').append((char) c);
              } else if (c < 0x20
                  || (c >= 0x7f && c <= 0x9f)
                  || (c >= 0xd800 && c <= 0xdfff)
                  || c == 0x2028
                  || c == 0x2029
                  || c == 0xfeff
                  || c == 0xfffe
                  || c == 0xffff) {
                out.append(String.format("\\u%04x", c));
              } else {
                out.appendCodePoint(c);
              }
            });
    return out.append('"').toString();
  }
}
