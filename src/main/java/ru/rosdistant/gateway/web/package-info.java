/**
 * What every REST endpoint shares: problem answers, the request bound, the client's address and the per-client
 * buckets that count by it, the header-read timeout, client faults answered 4xx.
 */
@org.springframework.modulith.ApplicationModule(allowedDependencies = {})
package ru.rosdistant.gateway.web;
