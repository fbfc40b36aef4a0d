package ru.rosdistant.gateway.system;

import io.micrometer.observation.ObservationPredicate;

import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.http.server.reactive.observation.ServerRequestObservationContext;

/**
 * No HTTP request observation for the WebSocket endpoints. The observation of an upgrade request lasts as
 * long as the socket (it ends when the response does), so each open socket kept its observation, timer
 * sample and tag maps alive: kilobytes per connection for a metric that says nothing. The sockets have
 * their own metrics ({@code gateway_connections}, messages in and out).
 */
@Configuration(proxyBeanMethods = false)
class SocketObservations {

    @Bean
    ObservationPredicate noRequestObservationForSockets() {
        return (name, context) -> !(context instanceof ServerRequestObservationContext request
                && request.getCarrier().getPath().value().startsWith("/ws/"));
    }
}
