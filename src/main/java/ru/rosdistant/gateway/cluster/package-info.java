/**
 * Several nodes: this process's id, its agents' presence rows in PostgreSQL, the line locks of the drains, the leases
 * of the database-wide periodic jobs, the live fan-out of stored events through Redis with gap detection and
 * PostgreSQL polling while Redis is away, and the per-client rates shared through Redis. A single node (no
 * {@code gateway.cluster.redis-url}) runs none of it: its jobs run without leases, its rates count in memory.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "dialog", "shared", "web" })
package ru.rosdistant.gateway.cluster;
