/**
 * Several nodes: this process's id, its agents' presence rows in PostgreSQL, and the live fan-out of stored events
 * through Redis with gap detection and PostgreSQL polling while Redis is away. A single node (no
 * {@code gateway.cluster.redis-url}) runs none of it.
 */
package ru.rosdistant.gateway.cluster;
