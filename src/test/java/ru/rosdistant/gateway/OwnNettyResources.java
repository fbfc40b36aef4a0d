package ru.rosdistant.gateway;

import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.http.client.ReactorResourceFactory;

/**
 * For a test class that starts a gateway of its own next to the shared one: its server gets event loops of
 * its own. With Boot's default (the global Reactor Netty resources) closing that context disposes the global
 * loops — the very ones the shared gateway's server runs on — and every later test class on the shared context
 * then waits for frames that never come (SocketRoleMatrixTests after DatabaseOutageTests did).
 */
@TestConfiguration(proxyBeanMethods = false)
public class OwnNettyResources {

    @Bean
    public ReactorResourceFactory ownReactorResourceFactory() {
        ReactorResourceFactory factory = new ReactorResourceFactory();
        factory.setUseGlobalResources(false);
        return factory;
    }
}
