// A model's evaluation on held-out rows (training.testSplit): rows the training and early
// stopping never saw. Stored with the model, shown by GET /v1/models/:id, the dashboard's model
// page and the CLI's report; its headline numbers go in the job's `done` event. Computed by
// src/engine/evaluation.ts.
import { z } from 'zod';

const label = z.union([z.string(), z.number()]);

export const classificationEvaluationSchema = z
  .object({
    task: z.literal('classification'),
    /** Held-out rows evaluated. */
    rows: z.number().int(),
    accuracy: z.number(),
    /** Mean cross-entropy of the true class's probability (clipped at 1e-15, as scikit-learn). */
    logLoss: z.number(),
    /** rows = truth, columns = prediction, both in `labels` order (the model's classes). */
    confusionMatrix: z.object({
      labels: z.array(label),
      matrix: z.array(z.array(z.number().int())),
    }),
    perClass: z.array(
      z.object({
        label,
        precision: z.number(),
        recall: z.number(),
        f1: z.number(),
        support: z.number().int(),
      }),
    ),
    macroF1: z.number(),
    weightedF1: z.number(),
    /** Binary: the AUC of the second class's probability; more classes: one-vs-rest, macro. Absent when a class has no held-out row to rank (or no other class). */
    rocAuc: z.number().optional(),
    /** For drawing: one-vs-rest ROC curve per class (binary: the second class only), at most 201 points each. */
    rocCurves: z
      .array(z.object({ label, fpr: z.array(z.number()), tpr: z.array(z.number()) }))
      .optional(),
  })
  .meta({ id: 'ClassificationEvaluation' });

export const regressionEvaluationSchema = z
  .object({
    task: z.literal('regression'),
    rows: z.number().int(),
    /** In the target's own units. */
    mae: z.number(),
    rmse: z.number(),
    /** Coefficient of determination (1 is perfect; 0 is predicting the mean; may be negative). */
    r2: z.number(),
    /** For drawing predicted against actual: at most 500 held-out rows, evenly picked. */
    points: z.object({ actual: z.array(z.number()), predicted: z.array(z.number()) }).optional(),
  })
  .meta({ id: 'RegressionEvaluation' });

export const evaluationSchema = z.discriminatedUnion('task', [
  classificationEvaluationSchema,
  regressionEvaluationSchema,
]);

export type ClassificationEvaluation = z.infer<typeof classificationEvaluationSchema>;
export type RegressionEvaluation = z.infer<typeof regressionEvaluationSchema>;
export type Evaluation = z.infer<typeof evaluationSchema>;
