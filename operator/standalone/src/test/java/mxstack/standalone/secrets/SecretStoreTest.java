package mxstack.standalone.secrets;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Stream;
import mxstack.core.plan.SecretFormat;
import mxstack.core.plan.SecretRequirement;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class SecretStoreTest {

  private static final SecretRequirement SIGNING_KEY =
      new SecretRequirement("signing.key", SecretFormat.SYNAPSE_SIGNING_KEY, "federation key");
  private static final SecretRequirement MACAROON =
      new SecretRequirement("macaroon_secret_key", SecretFormat.RANDOM_TOKEN, "macaroons");
  private static final SecretRequirement ENCRYPTION =
      new SecretRequirement("mas_encryption", SecretFormat.HEX_32_BYTES, "MAS encryption");
  private static final SecretRequirement SMTP_PASSWORD =
      new SecretRequirement("smtp_password", null, "provided by the admin");

  @TempDir Path tmp;

  private Path dir() {
    return tmp.resolve("state").resolve("secrets");
  }

  private SecretStore store() {
    return new SecretStore(dir(), new SecretGenerator());
  }

  @Test
  void createsMissingSecretsOwnerOnlyInOwnerOnlyDirectory() throws IOException {
    SecretStore store = store();
    SecretStore.EnsureResult result = store.ensure(List.of(SIGNING_KEY, MACAROON, ENCRYPTION));

    assertEquals(List.of("signing.key", "macaroon_secret_key", "mas_encryption"), result.created());
    assertEquals(List.of(), result.existing());
    assertEquals(List.of(), result.tightened());
    assertEquals("rwx------", mode(dir()));
    for (String name : result.created()) {
      Path file = store.pathOf(name);
      assertEquals(dir().resolve(name), file);
      assertEquals("rw-------", mode(file));
      assertTrue(Files.size(file) > 0);
    }
    assertTrue(
        new String(Files.readAllBytes(store.pathOf("signing.key")), StandardCharsets.US_ASCII)
            .startsWith("ed25519 a_"));
    assertEquals(64, Files.size(store.pathOf("mas_encryption")));
    assertEquals(List.of(), leftoverTempFiles(), "temp files must not survive");
  }

  @Test
  void secondEnsureLeavesEverythingUntouched() throws IOException {
    SecretStore store = store();
    List<SecretRequirement> requirements = List.of(SIGNING_KEY, MACAROON);
    store.ensure(requirements);
    Path key = store.pathOf("signing.key");
    // Backdate so that a rewrite within the same clock tick would still change the mtime.
    FileTime past = FileTime.fromMillis(1_000_000_000_000L);
    Files.setLastModifiedTime(key, past);
    byte[] before = Files.readAllBytes(key);

    SecretStore.EnsureResult second = store.ensure(requirements);

    assertEquals(List.of(), second.created());
    assertEquals(List.of("signing.key", "macaroon_secret_key"), second.existing());
    assertEquals(List.of(), second.tightened());
    assertArrayEquals(before, Files.readAllBytes(key));
    assertEquals(past, Files.getLastModifiedTime(key));
  }

  @Test
  void neverOverwritesExistingContent() throws IOException {
    Files.createDirectories(dir());
    Path key = dir().resolve("signing.key");
    byte[] restored = "ed25519 a_back restored-from-backup\n".getBytes(StandardCharsets.US_ASCII);
    Files.write(key, restored);
    Files.setPosixFilePermissions(key, PosixFilePermissions.fromString("rw-------"));

    SecretStore.EnsureResult result = store().ensure(List.of(SIGNING_KEY, MACAROON));

    assertEquals(List.of("macaroon_secret_key"), result.created());
    assertEquals(List.of("signing.key"), result.existing());
    assertArrayEquals(restored, Files.readAllBytes(key));
  }

  @Test
  void emptySecretFileIsAnErrorNamingTheFile() throws IOException {
    Files.createDirectories(dir());
    Path key = dir().resolve("signing.key");
    Files.createFile(key);

    IOException e = assertThrows(IOException.class, () -> store().ensure(List.of(SIGNING_KEY)));

    assertTrue(e.getMessage().contains(key.toString()), e.getMessage());
    assertTrue(e.getMessage().contains("backup"), e.getMessage());
    assertEquals(0, Files.size(key), "a damaged secret must not be silently regenerated");
  }

  @Test
  void worldReadableSecretIsTightenedTo0600() throws IOException {
    Files.createDirectories(dir());
    Path token = dir().resolve("macaroon_secret_key");
    byte[] content = "existing-token".getBytes(StandardCharsets.US_ASCII);
    Files.write(token, content);
    Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-r--r--"));

    SecretStore.EnsureResult result = store().ensure(List.of(MACAROON));

    assertEquals(List.of("macaroon_secret_key"), result.existing());
    assertEquals(List.of("macaroon_secret_key"), result.tightened());
    assertEquals("rw-------", mode(token));
    assertArrayEquals(content, Files.readAllBytes(token));
  }

  @Test
  void adminProvidedSecretsAreIgnored() throws IOException {
    SecretStore store = store();
    SecretStore.EnsureResult result = store.ensure(List.of(SMTP_PASSWORD, MACAROON));

    assertEquals(List.of("macaroon_secret_key"), result.created());
    assertEquals(List.of(), result.existing());
    assertFalse(Files.exists(store.pathOf("smtp_password")));
  }

  @Test
  void onlyAdminProvidedSecretsCreateNothing() throws IOException {
    SecretStore.EnsureResult result = store().ensure(List.of(SMTP_PASSWORD));

    assertEquals(List.of(), result.created());
    assertFalse(Files.exists(dir()), "no directory is needed when nothing is generated");
  }

  @Test
  void resultsAndErrorsNeverContainSecretValues() throws IOException {
    SecretStore store = store();
    SecretStore.EnsureResult result = store.ensure(List.of(SIGNING_KEY, MACAROON, ENCRYPTION));
    String keyLine =
        new String(Files.readAllBytes(store.pathOf("signing.key")), StandardCharsets.US_ASCII);
    String seed = keyLine.trim().split(" ")[2];
    String token =
        new String(
            Files.readAllBytes(store.pathOf("macaroon_secret_key")), StandardCharsets.US_ASCII);
    String hex =
        new String(Files.readAllBytes(store.pathOf("mas_encryption")), StandardCharsets.US_ASCII);

    Files.createFile(dir().resolve("broken"));
    IOException e =
        assertThrows(
            IOException.class,
            () ->
                store.ensure(
                    List.of(
                        SIGNING_KEY,
                        MACAROON,
                        ENCRYPTION,
                        new SecretRequirement("broken", SecretFormat.RANDOM_TOKEN, "damaged"))));

    for (String text : List.of(result.toString(), String.valueOf(e.getMessage()), e.toString())) {
      assertFalse(text.contains(seed), "seed leaked: " + text);
      assertFalse(text.contains(token), "token leaked: " + text);
      assertFalse(text.contains(hex), "hex secret leaked: " + text);
    }
  }

  @Test
  void concurrentCreatorWinsAndIsNotOverwritten() throws IOException {
    Path token = dir().resolve("macaroon_secret_key");
    byte[] theirs = "written-by-another-process".getBytes(StandardCharsets.US_ASCII);
    AtomicBoolean raced = new AtomicBoolean();
    // Simulates another process publishing the same secret while this one is generating it.
    SecureRandom racing =
        new SecureRandom() {
          @Override
          public void nextBytes(byte[] bytes) {
            if (raced.compareAndSet(false, true)) {
              try {
                Files.write(token, theirs);
                Files.setPosixFilePermissions(token, PosixFilePermissions.fromString("rw-------"));
              } catch (IOException e) {
                throw new UncheckedIOException(e);
              }
            }
            super.nextBytes(bytes);
          }
        };

    SecretStore.EnsureResult result =
        new SecretStore(dir(), new SecretGenerator(racing)).ensure(List.of(MACAROON));

    assertTrue(raced.get());
    assertEquals(List.of(), result.created());
    assertEquals(List.of("macaroon_secret_key"), result.existing());
    assertArrayEquals(theirs, Files.readAllBytes(token));
    assertEquals(List.of(), leftoverTempFiles());
  }

  @Test
  void symlinkInPlaceOfASecretIsRejected() throws IOException {
    Files.createDirectories(dir());
    Path elsewhere = Files.writeString(tmp.resolve("elsewhere"), "value");
    Files.createSymbolicLink(dir().resolve("macaroon_secret_key"), elsewhere);

    IOException e = assertThrows(IOException.class, () -> store().ensure(List.of(MACAROON)));
    assertTrue(e.getMessage().contains("not a regular file"), e.getMessage());
  }

  @Test
  void namesThatEscapeTheDirectoryAreRejected() {
    SecretStore store = store();
    for (String name : List.of("", ".", "..", "../x", "a/b")) {
      assertThrows(IllegalArgumentException.class, () -> store.pathOf(name), name);
      assertThrows(
          IllegalArgumentException.class,
          () -> store.ensure(List.of(new SecretRequirement(name, SecretFormat.RANDOM_TOKEN, ""))),
          name);
    }
  }

  @Test
  void sameNameWithDifferentFormatsIsRejected() {
    assertThrows(
        IllegalArgumentException.class,
        () ->
            store()
                .ensure(
                    List.of(
                        MACAROON,
                        new SecretRequirement(
                            "macaroon_secret_key", SecretFormat.HEX_32_BYTES, "conflict"))));
  }

  @Test
  void sameRequirementTwiceIsCreatedOnce() throws IOException {
    SecretStore.EnsureResult result = store().ensure(List.of(MACAROON, MACAROON));
    assertEquals(List.of("macaroon_secret_key"), result.created());
    assertEquals(List.of(), result.existing());
  }

  private static String mode(Path path) throws IOException {
    return PosixFilePermissions.toString(Files.getPosixFilePermissions(path));
  }

  private List<Path> leftoverTempFiles() throws IOException {
    try (Stream<Path> files = Files.list(dir())) {
      return files.filter(p -> p.getFileName().toString().endsWith(".tmp")).toList();
    }
  }
}
