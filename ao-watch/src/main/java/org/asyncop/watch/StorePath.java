package org.asyncop.watch;

import static java.util.Objects.requireNonNull;

import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The path syntax shared by every store: absolute, {@code /} alone for the root, otherwise
 * segments of {@code [A-Za-z0-9_@:+=,.-]} separated by single slashes, no segment starting with
 * {@code .} (the folder store keeps its own files under such names), no trailing slash, at most
 * 1024 characters.
 */
final class StorePath {
  static final String ROOT = "/";
  private static final int MAX_LENGTH = 1024;

  private StorePath() {}

  /**
   * @return {@code path}
   * @throws NullPointerException if {@code path} is null
   * @throws IllegalArgumentException if {@code path} is malformed; the message names it
   */
  static String check(String path, String name) {
    requireNonNull(path, name);
    String why = problem(path);
    if (why != null) {
      throw new IllegalArgumentException(name + " \"" + path + "\" is not a valid store path: " + why);
    }
    return path;
  }

  private static @Nullable String problem(String p) {
    if (p.isEmpty() || p.charAt(0) != '/') {
      return "it must be absolute (start with /)";
    }
    if (p.length() > MAX_LENGTH) {
      return "it is longer than " + MAX_LENGTH + " characters";
    }
    if (p.length() == 1) {
      return null;
    }
    if (p.charAt(p.length() - 1) == '/') {
      return "it must not end with /";
    }
    boolean segmentStart = true;
    for (int i = 1; i < p.length(); i++) {
      char c = p.charAt(i);
      if (c == '/') {
        if (segmentStart) {
          return "it has an empty segment";
        }
        segmentStart = true;
        continue;
      }
      if (segmentStart && c == '.') {
        return "a segment starts with '.'";
      }
      segmentStart = false;
      if (!allowed(c)) {
        return "character '" + c + "' is not allowed (use A-Z a-z 0-9 _ @ : + = , . -)";
      }
    }
    return null;
  }

  private static boolean allowed(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')
        || c == '_' || c == '@' || c == ':' || c == '+' || c == '=' || c == ',' || c == '.'
        || c == '-';
  }

  /** The parent of a checked path; null for the root. */
  static @Nullable String parent(String path) {
    if (path.length() == 1) {
      return null;
    }
    int i = path.lastIndexOf('/');
    return i == 0 ? ROOT : path.substring(0, i);
  }

  /** A checked path's child of the given name. */
  static String child(String path, String name) {
    return path.length() == 1 ? "/" + name : path + "/" + name;
  }

  /** The segments of a checked path; none for the root. */
  static List<String> segments(String path) {
    List<String> out = new ArrayList<>();
    int start = 1;
    while (start < path.length()) {
      int end = path.indexOf('/', start);
      if (end < 0) {
        end = path.length();
      }
      out.add(path.substring(start, end));
      start = end + 1;
    }
    return out;
  }

  /** Whether {@code path} is {@code root} or lies under it. */
  static boolean within(String path, String root) {
    if (root.length() == 1) {
      return true;
    }
    return path.startsWith(root) && (path.length() == root.length() || path.charAt(root.length()) == '/');
  }
}
