package ru.rosdistant.gateway.agent;

import ru.rosdistant.gateway.cluster.Revocation;

/**
 * An administrator changed what an agent may do. With {@code sessionsEnded} (disabled, enabled, a new password) every
 * session of theirs has ended and their sockets close; otherwise their sessions go on with the current roles and their
 * sockets restart to pick the change up. Published on the node that made the change, after it is stored.
 */
public record AgentAccessChanged(long agentId, String login, boolean sessionsEnded) implements Revocation {
}
