/**
 * Scenario names of the performance histories, declared once: each scenario is a folder on the
 * history branch, shared by the services' load tests and the app's transcription runs, so the two
 * namings must never meet. The model refuses a service whose scenario would start like an app's.
 */

/** What every scenario of the app's transcription runs starts with. */
export const APP_SCENARIO_PREFIX = 'app-transcribe-';

/** The scenario of a model's transcription run (one history per model). */
export function transcriptionScenario(modelId: string): string {
  return `${APP_SCENARIO_PREFIX}${modelId}`;
}

/** A service's load-test scenario. */
export function serviceLoadScenario(service: string): string {
  return `${service}-synthesize`;
}
