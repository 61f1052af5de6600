/**
 * What the rest of kiji needs from an embedding model. The real one (transformers.ts) loads
 * onnxruntime lazily; FakeEmbedder (fake.ts) stands in for it in unit tests.
 *
 * Vectors are L2-normalized, so a dot product is the cosine similarity.
 */
export interface Embedder {
  /** Identifies the model (HF id or folder path); an index built with another model must be rebuilt. */
  readonly modelId: string;
  /** Length of every vector this embedder returns. */
  readonly dimension: number;
  /**
   * Embeds passages for indexing, in input order, in batches.
   * @param onProgress called after each batch with (passages done, total)
   */
  embedPassages(texts: string[], onProgress?: (done: number, total: number) => void): Promise<Float32Array[]>;
  /** Embeds one search question (models like E5 embed questions and passages differently). */
  embedQuery(text: string): Promise<Float32Array>;
  /** Frees the model's native memory; the embedder cannot be used afterwards. */
  dispose?(): Promise<void>;
}
