/**
 * Durable side effects: a row written in the deciding transaction, delivered with retries and backoff.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "cluster", "web" })
package ru.rosdistant.gateway.outbox;
