/**
 * What an unreachable database looks like, so that callers answer "retry later" rather than fail.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package ru.rosdistant.gateway.storage;
