package ru.rosdistant.gateway.routing;

/** A supervisor set an agent's presence (the live view's «Не в сети»); the agent's consoles are told. */
public record PresenceSetBySupervisor(long agentId, Presence status, String supervisorName) {
}
