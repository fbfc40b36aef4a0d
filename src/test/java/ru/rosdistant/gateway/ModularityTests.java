package ru.rosdistant.gateway;

import org.junit.jupiter.api.Test;

import org.springframework.modulith.core.ApplicationModules;

class ModularityTests {

    @Test
    void featuresDependOnEachOtherOnlyThroughTheirPublicFaces() {
        ApplicationModules.of(GatewayApplication.class).verify();
    }
}
