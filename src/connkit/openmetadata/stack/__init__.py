"""The local OpenMetadata stack on a real Docker engine: locally made base images, cached image
builds, one compose project per workspace, health-checked bring-up that cleans up after itself."""
