package ru.rosdistant.gateway.cluster;

/**
 * An event that ends or narrows someone's access (a logout, a disabled agent, changed roles) and so must take effect
 * on every node: {@code Revocations} carries each one through Redis and publishes it again in the other nodes'
 * contexts. A record, so that it travels as JSON.
 */
public interface Revocation {
}
