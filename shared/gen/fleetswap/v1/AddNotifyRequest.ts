// Original file: proto/fleetswap.proto


export interface AddNotifyRequest {
  'name'?: (string);
  'url'?: (string);
  /**
   * slack | generic | cloudevents
   */
  'format'?: (string);
  /**
   * kinds or globs (rollout.*); empty: every event
   */
  'events'?: (string)[];
  /**
   * info | warning | critical; '' is info
   */
  'min_severity'?: (string);
  /**
   * only events about hosts with these tags (fleet-wide events always pass)
   */
  'select'?: ({[key: string]: string});
  /**
   * signs each request (Standard Webhooks); never sent back
   */
  'secret'?: (string);
  'actor'?: (string);
}

export interface AddNotifyRequest__Output {
  'name': (string);
  'url': (string);
  /**
   * slack | generic | cloudevents
   */
  'format': (string);
  /**
   * kinds or globs (rollout.*); empty: every event
   */
  'events': (string)[];
  /**
   * info | warning | critical; '' is info
   */
  'min_severity': (string);
  /**
   * only events about hosts with these tags (fleet-wide events always pass)
   */
  'select': ({[key: string]: string});
  /**
   * signs each request (Standard Webhooks); never sent back
   */
  'secret': (string);
  'actor': (string);
}
