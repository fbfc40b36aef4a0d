package ru.rosdistant.gateway.agent;

public class AgentNotFoundException extends RuntimeException {

    public AgentNotFoundException(long id) {
        super("No agent with id " + id);
    }
}
