/**
 * The few types many modules share and none owns: random ids and tokens from a DRBG seeded once
 * ({@code RandomIds}), what an unreachable database looks like, so that callers answer "retry later" rather than
 * fail ({@code StorageOutage}), and how a pooled connection cut off mid-conversation is ended
 * ({@code PooledConnections}).
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package ru.rosdistant.gateway.shared;
