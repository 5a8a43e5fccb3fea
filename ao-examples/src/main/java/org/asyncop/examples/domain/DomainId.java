package org.asyncop.examples.domain;

/**
 * A domain's number, unique among the domains of one {@link DomainCreator} while it is reserved.
 *
 * @param value the number, from 1
 */
public record DomainId(int value) {
  /** Where the domain's entries live in the store. */
  public String storePath() {
    return "/local/domain/" + value;
  }

  @Override
  public String toString() {
    return "domain " + value;
  }
}
