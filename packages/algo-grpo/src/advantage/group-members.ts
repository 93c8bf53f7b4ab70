/** Re-export of core's `groupMembers` for files that still import it from here. */
export { groupMembers } from '@trellis/core';
