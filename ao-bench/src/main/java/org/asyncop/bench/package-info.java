/**
 * JMH benchmarks of asyncop, each beside what a user would pick instead, in the same run.
 *
 * <p>Build once with {@code mvn -B -q -pl ao-bench -am package -DskipTests}, then run one class
 * with {@code java -jar ao-bench/target/benchmarks.jar CLASS_NAME}; each class names its own
 * command. On these 2-core machines report ratios (ours / theirs), not absolute times.
 */
package org.asyncop.bench;
