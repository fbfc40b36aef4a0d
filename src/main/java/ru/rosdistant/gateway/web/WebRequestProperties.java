package ru.rosdistant.gateway.web;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * How long a request may wait for its answer before it is answered 503 ({@link RequestTimeout}); zero or
 * negative: no bound.
 */
@ConfigurationProperties("gateway.web")
record WebRequestProperties(@DefaultValue("15s") Duration requestTimeout) {
}
