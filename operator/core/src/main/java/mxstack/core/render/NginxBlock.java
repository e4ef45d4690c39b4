package mxstack.core.render;

import java.util.ArrayList;
import java.util.List;

/**
 * A block of nginx configuration built as a tree of directives, so that every argument is quoted by
 * one rule instead of by hand.
 */
final class NginxBlock {

  private final String name;
  private final List<String> args;
  private final List<Object> children = new ArrayList<>();

  private NginxBlock(String name, List<String> args) {
    this.name = name;
    this.args = args;
  }

  /** The top level of a config file. */
  static NginxBlock root() {
    return new NginxBlock(null, List.of());
  }

  /** Adds {@code name args...;}. */
  NginxBlock directive(String directive, Object... arguments) {
    List<String> values = new ArrayList<>();
    for (Object argument : arguments) {
      values.add(String.valueOf(argument));
    }
    children.add(new Directive(directive, values));
    return this;
  }

  /** Adds {@code name args... { ... }} and returns the new block. */
  NginxBlock block(String block, Object... arguments) {
    List<String> values = new ArrayList<>();
    for (Object argument : arguments) {
      values.add(String.valueOf(argument));
    }
    NginxBlock child = new NginxBlock(block, values);
    children.add(child);
    return child;
  }

  /** Adds a comment line. */
  NginxBlock comment(String text) {
    children.add(new Comment(text));
    return this;
  }

  String render() {
    StringBuilder out = new StringBuilder();
    renderChildren(out, 0);
    return out.toString();
  }

  private void renderChildren(StringBuilder out, int depth) {
    for (Object child : children) {
      String indent = "    ".repeat(depth);
      if (child instanceof Directive d) {
        out.append(indent).append(d.name);
        d.args.forEach(a -> out.append(' ').append(quote(a)));
        out.append(";\n");
      } else if (child instanceof Comment c) {
        out.append(indent).append("# ").append(c.text).append('\n');
      } else {
        NginxBlock b = (NginxBlock) child;
        out.append(indent).append(b.name);
        b.args.forEach(a -> out.append(' ').append(quote(a)));
        out.append(" {\n");
        b.renderChildren(out, depth + 1);
        out.append(indent).append("}\n");
      }
    }
  }

  /** Quotes an argument when nginx would otherwise split or misread it. */
  static String quote(String arg) {
    if (arg.matches("[A-Za-z0-9_./:$~^*()|=?+\\-\\[\\]\\\\,@]+") && !arg.contains("\\\"")) {
      return arg;
    }
    return "\"" + arg.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
  }

  private record Directive(String name, List<String> args) {}

  private record Comment(String text) {}
}
