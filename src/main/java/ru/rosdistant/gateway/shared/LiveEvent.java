package ru.rosdistant.gateway.shared;

/**
 * A past-tense event that the people concerned see as it happens: the live fan-out ({@code live.SocketFanOut}) hands
 * it to the sockets that follow its dialog or its agent, and the relay between nodes ({@code cluster.LiveFanOut})
 * carries it to the other nodes as JSON (so each one is a record). The fan-out, the relay and the sockets take only
 * this type: what may travel is what implements it, and the fan-out's table of routes, one per implementing record
 * ({@code ArchitectureTests} checks that none is missing), is also the relay's table of types.
 * <p>
 * Not sealed: its records belong to three modules ({@code dialog}, {@code routing}, {@code task}), and outside a named
 * Java module a sealed type may permit only classes of its own package (JLS 8.1.6). Each owner keeps its part as
 * closed as it can ({@code dialog.DialogChanged} is sealed, and every change it permits travels).
 */
public interface LiveEvent {
}
