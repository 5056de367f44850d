"""``alpine-ready fleet``: every image of an organisation at once.

Stages (each its own module):

- :mod:`.sources`: which images -- a file of references, or a registry's catalog
  (``/v2/_catalog`` and ``/v2/<name>/tags/list``, paginated by ``Link``);
- :mod:`.plan`: per image its manifest (digests of the image and of its layers);
- :mod:`.tasks`: the work, as plain functions a process pool or a Dask worker runs --
  one task per distinct layer digest (the layer analysis, cached as every command
  caches it), one per image (:func:`.verdict.judge_image`);
- :mod:`.runners`: where tasks run -- a local process pool, or Dask distributed
  (``LocalCluster`` or an existing scheduler); results come back as they finish;
- :mod:`.store`: results keyed by manifest and layer digest (SQLite or PostgreSQL):
  a re-run skips what did not change, an interrupted run resumes;
- :mod:`.engine`: ``run(FleetOptions) -> FleetReport`` (:mod:`.report`).
"""
