/**
 * The socket engine both sockets run on: frames in and out, per-connection limits and bucket, the bounded
 * outbound queue with the per-dialog high-water mark and gap filling, resume, metrics, shutdown; and the fan-out
 * ({@code SocketFanOut}) that hands the past-tense events of {@code dialog}, {@code routing} and {@code task} to the
 * sockets that follow them, and to {@code cluster}'s relay for the other nodes.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {
        "cluster", "dialog", "routing", "shared", "task", "web" })
package ru.rosdistant.gateway.live;
