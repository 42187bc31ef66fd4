/**
 * The {@code sluice} command line (picocli): {@code up} runs a broker as a child JVM (and the
 * demo app), {@code tail} prints records. Only {@link dev.sluice.client.cli.SluiceCli} is
 * public.
 */
package dev.sluice.client.cli;
