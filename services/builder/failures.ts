// What fails a push, with the message the pusher reads. Anything else thrown
// during a build is an internal error (push/hookserver.ts tells it apart).

export class BuildFailure extends Error {
  override name = 'BuildFailure';
}

/**
 * The build succeeded but its release failed (release phase, or its containers never came up): the push fails with this
 * message.
 */
export class ReleaseFailure extends BuildFailure {
  override name = 'ReleaseFailure';
}
