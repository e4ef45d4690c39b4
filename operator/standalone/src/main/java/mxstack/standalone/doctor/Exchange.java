package mxstack.standalone.doctor;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.URI;

/**
 * One request and what came of it: an answer, or the reason there was none.
 *
 * @param method the request method
 * @param uri what was asked for
 * @param response the answer, or null
 * @param noAnswer why there was no answer, or null
 */
record Exchange(String method, URI uri, HttpProbe.Response response, HttpProbe.NoAnswer noAnswer) {

  private static final ObjectMapper JSON = new ObjectMapper();

  boolean answered() {
    return response != null;
  }

  int status() {
    return response == null ? -1 : response.status();
  }

  /** The body as JSON, or null when it is not JSON. */
  JsonNode json() {
    if (response == null || response.body().isBlank()) {
      return null;
    }
    try {
      return JSON.readTree(response.body());
    } catch (java.io.IOException e) {
      return null;
    }
  }

  /** The Matrix error code of a JSON error body, or null. */
  String errcode() {
    JsonNode json = json();
    return json != null && json.hasNonNull("errcode") ? json.get("errcode").asText() : null;
  }

  /** "GET url" for messages. */
  String request() {
    return method + " " + uri;
  }

  /**
   * The answer in a few words: {@code 503 M_UNKNOWN "Unable to introspect the access token"}, or
   * the start of a body that is not a Matrix error, or why nothing came back.
   */
  String summary() {
    if (response == null) {
      return noAnswer.getMessage();
    }
    JsonNode json = json();
    if (json != null && json.hasNonNull("errcode")) {
      String error = json.path("error").asText("");
      return response.status()
          + " "
          + json.get("errcode").asText()
          + (error.isEmpty() ? "" : " \"" + abbreviate(error) + "\"");
    }
    String body = response.body().replaceAll("\\s+", " ").strip();
    if (body.startsWith("<")) {
      // An HTML error page from a proxy: its title says it all.
      java.util.regex.Matcher title =
          java.util.regex.Pattern.compile("<title>([^<]*)</title>").matcher(body);
      body = title.find() ? title.group(1).strip() : "";
      if (body.startsWith(response.status() + " ")) {
        return body;
      }
    }
    return response.status() + (body.isEmpty() ? "" : " " + abbreviate(body));
  }

  /** "GET url: summary". */
  String seen() {
    return request() + ": " + summary();
  }

  private static String abbreviate(String text) {
    return text.length() > 100 ? text.substring(0, 100) + "..." : text;
  }
}
