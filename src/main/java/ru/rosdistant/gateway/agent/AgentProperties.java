package ru.rosdistant.gateway.agent;

import java.util.List;
import java.util.Set;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

@ConfigurationProperties("gateway.agent")
record AgentProperties(@DefaultValue Admin admin, @DefaultValue List<DemoAgent> demoAgents) {

    /** The administrator created on the first start; the password comes from the environment. */
    record Admin(@DefaultValue("admin") String login, @DefaultValue("Administrator") String displayName,
            String password) {
    }

    record DemoAgent(String login, String displayName, Set<Role> roles, @DefaultValue List<String> lines,
            String password, @DefaultValue("5") int maxDialogs) {
    }
}
