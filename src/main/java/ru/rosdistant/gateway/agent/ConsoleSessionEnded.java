package ru.rosdistant.gateway.agent;

import ru.rosdistant.gateway.cluster.Revocation;

/**
 * One console session of an agent ended (logged out, or pushed out by the agent's newer sessions): the sockets
 * opened with it close. {@code session} is the session's handle, the {@code details} of the agent's
 * {@code Authentication}, never its id.
 */
public record ConsoleSessionEnded(String login, String session) implements Revocation {
}
