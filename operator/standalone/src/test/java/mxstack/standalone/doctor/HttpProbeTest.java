package mxstack.standalone.doctor;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTimeoutPreemptively;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.sun.net.httpserver.HttpServer;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

class HttpProbeTest {

  HttpServer server;
  final List<String> seen = new CopyOnWriteArrayList<>();

  @BeforeEach
  void start() throws Exception {
    server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
    server.createContext(
        "/",
        exchange -> {
          seen.add(
              exchange.getRequestMethod()
                  + " "
                  + exchange.getRequestURI()
                  + " host="
                  + exchange.getRequestHeaders().getFirst("Host")
                  + " proto="
                  + exchange.getRequestHeaders().getFirst("X-Forwarded-Proto")
                  + " body="
                  + new String(exchange.getRequestBody().readAllBytes(), StandardCharsets.UTF_8));
          byte[] body = "{\"answer\": 42}".getBytes(StandardCharsets.UTF_8);
          exchange.getResponseHeaders().add("Content-Type", "application/json");
          // Length 0: the server sends the body chunked, as nginx passes Synapse's answers on.
          boolean chunked = exchange.getRequestURI().getPath().startsWith("/chunked");
          exchange.sendResponseHeaders(
              exchange.getRequestURI().getPath().equals("/missing") ? 404 : 200,
              chunked ? 0 : body.length);
          exchange.getResponseBody().write(body);
          exchange.close();
        });
    server.start();
  }

  @AfterEach
  void stop() {
    server.stop(0);
  }

  URI via() {
    return URI.create("http://127.0.0.1:" + server.getAddress().getPort());
  }

  @Test
  void viaSendsThePublicHostAndSchemeAndReadsChunkedAnswers() throws Exception {
    HttpProbe probe = new HttpProbe(via(), Duration.ofSeconds(5));
    HttpProbe.Response chunked =
        probe.get(URI.create("https://matrix.example.test/chunked/path?x=1"), Map.of());
    assertEquals(200, chunked.status());
    assertEquals("{\"answer\": 42}", chunked.body());
    assertEquals("application/json", chunked.header("Content-Type"));
    HttpProbe.Response posted =
        probe.send(
            "POST",
            URI.create("https://example.test:8448/plain"),
            Map.of("Content-Type", "text/plain"),
            "hello");
    assertEquals("{\"answer\": 42}", posted.body());
    assertEquals(404, probe.get(URI.create("https://example.test/missing"), Map.of()).status());
    assertEquals(
        List.of(
            "GET /chunked/path?x=1 host=matrix.example.test proto=https body=",
            "POST /plain host=example.test:8448 proto=https body=hello",
            "GET /missing host=example.test proto=https body="),
        seen);
  }

  @Test
  void loopbackAddressesAreAskedDirectly() throws Exception {
    // The via address is dead: a loopback URL must not go there.
    HttpProbe probe =
        new HttpProbe(URI.create("http://127.0.0.1:" + deadPort()), Duration.ofSeconds(5));
    HttpProbe.Response response = probe.get(URI.create(via() + "/plain"), Map.of());
    assertEquals(200, response.status());
    assertTrue(
        seen.get(0).contains("host=127.0.0.1:" + server.getAddress().getPort()), seen.toString());
  }

  @Test
  void nothingListeningIsAnAnswerInWordsNotAStackTrace() throws Exception {
    int dead = deadPort();
    HttpProbe viaDead =
        new HttpProbe(URI.create("http://127.0.0.1:" + dead), Duration.ofSeconds(5));
    HttpProbe.NoAnswer routed =
        assertThrows(
            HttpProbe.NoAnswer.class,
            () -> viaDead.get(URI.create("https://matrix.example.test/"), Map.of()));
    assertEquals(HttpProbe.Failure.REFUSED, routed.failure());
    assertTrue(routed.getMessage().contains("refused"), routed.getMessage());

    HttpProbe direct = new HttpProbe(null, Duration.ofSeconds(5));
    HttpProbe.NoAnswer refused =
        assertThrows(
            HttpProbe.NoAnswer.class,
            () -> direct.get(URI.create("http://127.0.0.1:" + dead + "/health"), Map.of()));
    assertEquals(HttpProbe.Failure.REFUSED, refused.failure());
  }

  @Test
  void aServerThatAcceptsButNeverAnswersCostsOneTimeout() throws Exception {
    try (ServerSocket silent = new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      // The kernel accepts connections into the backlog; nobody ever reads or answers, as with a
      // stopped (SIGSTOP) process.
      URI silentUri = URI.create("http://127.0.0.1:" + silent.getLocalPort());
      HttpProbe viaSilent = new HttpProbe(silentUri, Duration.ofSeconds(1));
      HttpProbe direct = new HttpProbe(null, Duration.ofSeconds(1));
      assertTimeoutPreemptively(
          Duration.ofSeconds(30),
          () -> {
            HttpProbe.NoAnswer routed =
                assertThrows(
                    HttpProbe.NoAnswer.class,
                    () -> viaSilent.get(URI.create("https://matrix.example.test/"), Map.of()));
            assertEquals(HttpProbe.Failure.TIMEOUT, routed.failure(), routed.getMessage());
            HttpProbe.NoAnswer asked =
                assertThrows(
                    HttpProbe.NoAnswer.class,
                    () -> direct.get(URI.create(silentUri + "/"), Map.of()));
            assertEquals(HttpProbe.Failure.TIMEOUT, asked.failure(), asked.getMessage());
            assertTrue(asked.getMessage().contains("1 s"), asked.getMessage());
          });
    }
  }

  @Test
  void somethingThatIsNotHttpIsSaidSo() throws Exception {
    try (ServerSocket garbage =
        new ServerSocket(0, 50, java.net.InetAddress.getLoopbackAddress())) {
      Thread answer =
          new Thread(
              () -> {
                try (Socket s = garbage.accept()) {
                  s.getOutputStream()
                      .write("SSH-2.0-OpenSSH_9.2\r\n".getBytes(StandardCharsets.US_ASCII));
                } catch (Exception e) {
                  // the test fails on its own assertion
                }
              });
      answer.start();
      HttpProbe probe =
          new HttpProbe(
              URI.create("http://127.0.0.1:" + garbage.getLocalPort()), Duration.ofSeconds(5));
      HttpProbe.NoAnswer broken =
          assertThrows(
              HttpProbe.NoAnswer.class,
              () -> probe.get(URI.create("https://matrix.example.test/"), Map.of()));
      assertEquals(HttpProbe.Failure.BROKEN, broken.failure());
      assertTrue(broken.getMessage().contains("not an HTTP answer: SSH-2.0"), broken.getMessage());
      answer.join(10_000);
    }
  }

  @Test
  void viaMustBePlainHttp() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> new HttpProbe(URI.create("https://127.0.0.1:8000"), Duration.ofSeconds(5)));
    assertTrue(e.getMessage().contains("plain http"), e.getMessage());
  }

  static int deadPort() throws Exception {
    try (ServerSocket s = new ServerSocket(0)) {
      return s.getLocalPort();
    }
  }
}
