package ru.rosdistant.gateway.agent;

public enum Role {
    AGENT, DISPATCHER, SUPERVISOR, ADMIN
}
