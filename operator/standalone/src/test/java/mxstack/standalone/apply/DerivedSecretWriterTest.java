package mxstack.standalone.apply;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import mxstack.core.plan.DerivedSecretFile;
import mxstack.core.spec.SecretRef;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.yaml.snakeyaml.LoaderOptions;
import org.yaml.snakeyaml.Yaml;

/**
 * Derived secret files carry any value unchanged: a password with quotes, backslashes, colons,
 * newlines or YAML syntax reads back as exactly that password, in every format, and a file filled
 * from a kept template has the same bytes as one rendered directly.
 */
class DerivedSecretWriterTest {

  static final SecretRef REF = new SecretRef("/run/secret", null, null);

  static List<String> values() {
    return List.of(
        "plain",
        "a\"b\\c'd",
        "line1\nline2\ttab",
        ": # *alias &anchor !tag {x: y} [1, 2] - item",
        "123",
        "true",
        "null",
        "~",
        "ünïcødé 🎉 \u0085 \u2028 \u00a0",
        "p@ss:w/rd?#%&=+ ",
        "mxstacksecret0nffffffffffffffff",
        "\u0001\u007f");
  }

  @ParameterizedTest
  @MethodSource("values")
  void aYamlValueReadsBackExactly(String value) throws Exception {
    String rendered = DerivedSecretWriter.render(emailFile(), ref -> value);
    Map<String, Object> tree = new Yaml(new LoaderOptions()).load(rendered);
    @SuppressWarnings("unchecked")
    Map<String, Object> read = (Map<String, Object>) tree.get("email");
    assertEquals(value, read.get("smtp_pass"));
    assertEquals("mail.example.org", read.get("smtp_host"));
  }

  @ParameterizedTest
  @MethodSource("values")
  void aUriPasswordReadsBackExactly(String value) throws Exception {
    DerivedSecretFile file =
        new DerivedSecretFile(
            "database.yaml",
            DerivedSecretFile.Format.YAML,
            Map.of(
                "database",
                Map.of("uri", "postgresql://mas@db:5432/mas?options=-c%20search_path%3Dmas")),
            Map.of("database.uri#password", REF));
    String rendered = DerivedSecretWriter.render(file, ref -> value);
    Map<String, Object> tree = new Yaml(new LoaderOptions()).load(rendered);
    @SuppressWarnings("unchecked")
    String uri = (String) ((Map<String, Object>) tree.get("database")).get("uri");
    String userInfo = URI.create(uri).getRawUserInfo();
    assertEquals("mas", userInfo.substring(0, userInfo.indexOf(':')));
    assertEquals(
        value,
        URLDecoder.decode(userInfo.substring(userInfo.indexOf(':') + 1), StandardCharsets.UTF_8));
    assertEquals("db", URI.create(uri).getHost());
    assertEquals("options=-c%20search_path%3Dmas", URI.create(uri).getRawQuery());
  }

  @ParameterizedTest
  @MethodSource("values")
  void aPasswordFileLineKeepsItsFields(String value) throws Exception {
    if (value.contains("\n")) {
      return; // a libpq password file cannot hold a line break at all
    }
    DerivedSecretFile file =
        new DerivedSecretFile(
            "pgpass",
            DerivedSecretFile.Format.PGPASS,
            Map.of("user", "syn:apse"),
            Map.of("password", REF));
    String rendered = DerivedSecretWriter.render(file, ref -> value);
    String expected = "*:*:*:syn\\:apse:" + value.replace("\\", "\\\\").replace(":", "\\:") + "\n";
    assertEquals(expected, rendered);
  }

  @ParameterizedTest
  @MethodSource("values")
  void aKeptTemplateFillsToTheSameBytes(String value) throws Exception {
    DerivedSecretFile file = emailFile();
    SecretTemplate first = DerivedSecretWriter.template(file);
    SecretTemplate second = DerivedSecretWriter.template(file);
    assertNotEquals(first.text(), second.text(), "each template has tokens of its own");
    assertEquals(first.fill(ref -> value), second.fill(ref -> value));
    assertEquals(DerivedSecretWriter.render(file, ref -> value), first.fill(ref -> value));
  }

  static DerivedSecretFile emailFile() {
    Map<String, Object> email = new LinkedHashMap<>();
    email.put("smtp_host", "mail.example.org");
    email.put("smtp_pass", "placeholder");
    return new DerivedSecretFile(
        "email.yaml",
        DerivedSecretFile.Format.YAML,
        Map.of("email", email),
        Map.of("email.smtp_pass", REF));
  }
}
