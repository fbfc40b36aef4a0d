package ru.rosdistant.gateway.console;

import java.util.List;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * @param allowedOrigins origins besides the gateway's own from which the console may open the agent
 * socket (for a console served from another host)
 */
@ConfigurationProperties("gateway.console")
record ConsoleProperties(@DefaultValue List<String> allowedOrigins) {
}
