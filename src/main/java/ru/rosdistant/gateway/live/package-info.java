/**
 * The socket engine both sockets run on: frames in and out, per-connection limits and bucket, the bounded
 * outbound queue with the per-dialog high-water mark and gap filling, resume, metrics, shutdown.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = { "dialog", "storage", "web" })
package ru.rosdistant.gateway.live;
