package ru.rosdistant.gateway.channel;

import java.util.Map;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Starts the fake platforms before the (shared) test context reads the bot files, whichever test class
 * happens to start it, and tells the bot files where they listen: {@code fake-platforms.url}.
 */
class FakePlatformsEnvironment implements EnvironmentPostProcessor {

    @Override
    public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
        environment.getPropertySources().addLast(new MapPropertySource("fakePlatforms",
                Map.of("fake-platforms.url", FakePlatforms.get().url())));
    }
}
