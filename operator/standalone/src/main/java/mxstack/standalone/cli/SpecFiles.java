package mxstack.standalone.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import mxstack.core.spec.MatrixDeploymentDocument;
import mxstack.core.validation.SpecInvalidException;
import mxstack.core.validation.SpecReader;
import mxstack.core.validation.Violation;

/** Reads a spec file for a command and reports violations the same way everywhere. */
final class SpecFiles {

  private SpecFiles() {}

  static MatrixDeploymentDocument load(Path file) throws IOException, SpecInvalidException {
    String text;
    try {
      text = Files.readString(file, StandardCharsets.UTF_8);
    } catch (CharacterCodingException e) {
      throw new IOException(file + " is not UTF-8 text");
    }
    return SpecReader.load(text);
  }

  static void report(Path file, SpecInvalidException e, PrintWriter err) {
    err.println(file + ": " + e.violations().size() + " problem(s):");
    for (Violation v : e.violations()) {
      err.println("  " + v);
    }
  }
}
