/** Helpers shared by the client's packages; not part of its API and may change at any time. */
package dev.sluice.client.internal;
