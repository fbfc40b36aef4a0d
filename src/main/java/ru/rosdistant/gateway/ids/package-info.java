/**
 * Random ids and tokens from a DRBG seeded once.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package ru.rosdistant.gateway.ids;
