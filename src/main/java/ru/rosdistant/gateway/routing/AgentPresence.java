package ru.rosdistant.gateway.routing;

import java.util.List;

/**
 * What routing knows of an agent now: their presence, whether a console is connected (false during the grace period
 * after the last socket closed), the lines they serve and their maximum of open dialogs.
 */
public record AgentPresence(long agentId, String displayName, List<String> lines, Presence status, boolean connected,
        int maxDialogs) {
}
